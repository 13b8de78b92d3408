// Package archive writes keluhan's data to an open, self-checking layout
// and reads it back: the export an administrator keeps on an external
// disk, verifies, and restores into an empty store. It streams: no
// collection is held in memory, so the size of the database bounds only
// the time and disk space an export takes.
//
// An archive is a folder or a gzip-compressed tar file with the same
// entries (format version 1):
//
//	<collection>.jsonl           one stored document per line, for every
//	                             collection the store exports, in _id order
//	messages/<name>.eml          the raw bytes of each inbound message
//	attachments/<name>/<i>-<f>   attachment i of that message, decoded
//	blobs/<name>                 each stored blob except raw messages
//	blobs.jsonl                  one line per blob: name, file, size, sha256
//	manifest.json                written last
//
// Each line of a .jsonl file is a document in MongoDB Extended JSON v2,
// relaxed form, exactly as stored, so that mongoimport and any JSON tool
// can read it. A line of messages.jsonl leaves out the raw bytes. It adds
// an "_archive" object naming the .eml file and the extracted attachment
// files, and import finds the files by those names, never by parsing a
// file name.
// A raw message kept in the blob store ("raw/<sha256>") is restored from
// its .eml file and not written to blobs/ a second time.
//
// manifest.json names the format and version, keluhan's version, the
// creation time, the collections in import order, a count per kind and
// the size and SHA-256 of every other file, in the order they were
// written. In a tar file it is the last entry. Two exports of the same
// data differ only in created_at and keluhan_version.
//
// NOTE: the relaxed form writes 64-bit integers that fit in 32 bits as
// plain numbers, which import reads back as 32-bit integers. keluhan
// decodes either width into the same Go fields, and a second export of
// the restored data is identical to the first.
package archive
