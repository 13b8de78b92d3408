package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/store"
)

// messageDoc turns a messages.jsonl line back into the stored document:
// without the archiveField, and with the raw bytes of its .eml file
// inline or, when the document names a raw blob, in the blob store.
func (r *restorer) messageDoc(line []byte) (bson.Raw, error) {
	var doc bson.Raw
	if err := bson.UnmarshalExtJSON(line, false, &doc); err != nil {
		return nil, err
	}
	elems, err := doc.Elements()
	if err != nil {
		return nil, err
	}

	var files messageFiles
	d := make(bson.D, 0, len(elems)+1)
	for _, el := range elems {
		if el.Key() == archiveField {
			if err := el.Value().Unmarshal(&files); err != nil {
				return nil, fmt.Errorf("read %s: %w", archiveField, err)
			}
			continue
		}
		d = append(d, bson.E{Key: el.Key(), Value: el.Value()})
	}
	if files.EML == "" {
		return bson.Marshal(d)
	}

	raw, err := r.rawFor(doc, files.EML)
	if err != nil {
		return nil, err
	}
	if raw != nil {
		d = append(d, bson.E{Key: "raw", Value: raw})
	}
	return bson.Marshal(d)
}

// rawFor reads the .eml file of doc, checks it against the document's
// raw_sha256, and returns it for the document, or stores it as the raw
// blob the document names and returns nil.
func (r *restorer) rawFor(doc bson.Raw, eml string) ([]byte, error) {
	raw, err := r.root.ReadFile(eml)
	if err != nil {
		return nil, err
	}
	want, _ := doc.Lookup("raw_sha256").StringValueOK()
	if sum := sha256.Sum256(raw); want != "" && hex.EncodeToString(sum[:]) != want {
		return nil, fmt.Errorf("%s does not match the message's raw_sha256 %s", eml, want)
	}
	blob, _ := doc.Lookup("raw_blob").StringValueOK()
	if blob == "" {
		return raw, nil
	}
	return nil, r.ensureBlob(blob, raw)
}

// ensureBlob stores raw under name unless a blob of that name exists.
// Raw blobs are named by their content, so an existing one holds the
// same bytes.
func (r *restorer) ensureBlob(name string, raw []byte) error {
	rc, err := r.dst.OpenBlob(r.ctx, name)
	if err == nil {
		return rc.Close()
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := r.dst.PutBlob(r.ctx, name, bytes.NewReader(raw)); err != nil {
		return err
	}
	r.res.Blobs++
	return nil
}

// restoreBlobs stores every blob listed in blobs.jsonl.
func (r *restorer) restoreBlobs() error {
	return r.eachLine(blobsListName, func(line []byte) error {
		var b blobLine
		if err := json.Unmarshal(line, &b); err != nil {
			return err
		}
		f, err := r.root.Open(b.File)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := r.dst.PutBlob(r.ctx, b.Name, f); err != nil {
			return err
		}
		r.res.Blobs++
		r.progress(KindBlobs)
		return nil
	})
}
