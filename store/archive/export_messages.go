package archive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
)

// archiveField is the member of a messages.jsonl line that names the
// message's files in the archive. Stored documents have no such field.
const archiveField = "_archive"

// maxKeptBuffer is the capacity above which the attachment buffer is
// dropped after use instead of kept for the next message.
const maxKeptBuffer = 8 << 20

// messageFiles is the "_archive" object of a messages.jsonl line.
type messageFiles struct {
	// EML is the .eml file, empty when no raw bytes were stored.
	EML         string           `bson:"eml,omitempty"`
	Attachments []attachmentFile `bson:"attachments,omitempty"`
}

// attachmentFile names the file of one attachment, or the error that
// kept it from being extracted.
type attachmentFile struct {
	Index int    `bson:"index"`
	File  string `bson:"file,omitempty"`
	Error string `bson:"error,omitempty"`
}

// messageWriter returns the function that writes one stored message:
// its .eml file, its attachments, and its line without the raw bytes.
func (e *exporter) messageWriter(w *bufio.Writer) func(bson.Raw) error {
	var buf bytes.Buffer
	return func(doc bson.Raw) error {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		key, ok := doc.Lookup("_id").StringValueOK()
		if !ok {
			return errors.New("export messages: message without a string _id")
		}
		files, err := e.messageFiles(doc, key, &buf)
		if err != nil {
			return fmt.Errorf("export message %s: %w", key, err)
		}
		if err := e.writeLine(w, withFiles(doc, files)); err != nil {
			return fmt.Errorf("export message %s: %w", key, err)
		}
		e.progress(messagesCollection)
		return nil
	}
}

// messageFiles writes the .eml and attachment files of one message.
func (e *exporter) messageFiles(doc bson.Raw, key string, buf *bytes.Buffer) (messageFiles, error) {
	var files messageFiles
	raw, err := e.rawBytes(doc)
	if err != nil || raw == nil {
		return files, err
	}
	files.EML = emlName(key)
	if _, err := e.sink.put(files.EML, int64(len(raw)), bytes.NewReader(raw)); err != nil {
		return files, err
	}
	e.progress(KindEML)

	var attachments []store.Attachment
	if v, err := doc.LookupErr("attachments"); err == nil {
		if err := v.Unmarshal(&attachments); err != nil {
			return files, fmt.Errorf("read attachments: %w", err)
		}
	}
	for _, a := range attachments {
		f, err := e.exportAttachment(raw, key, a, buf)
		if err != nil {
			return files, err
		}
		files.Attachments = append(files.Attachments, f)
	}
	if buf.Cap() > maxKeptBuffer {
		*buf = bytes.Buffer{}
	}
	return files, nil
}

// rawBytes returns the raw message kept in doc or in the blob store, or
// nil when neither holds it.
func (e *exporter) rawBytes(doc bson.Raw) ([]byte, error) {
	if v, err := doc.LookupErr("raw"); err == nil {
		if _, data, ok := v.BinaryOK(); ok {
			return data, nil
		}
	}
	name, _ := doc.Lookup("raw_blob").StringValueOK()
	if name == "" {
		return nil, nil
	}
	r, err := e.src.OpenBlob(e.ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", name, err)
	}
	return raw, nil
}

// exportAttachment decodes one attachment into buf and writes it. A part
// that cannot be extracted is not an error of the export: its error is
// kept in the message's line instead.
func (e *exporter) exportAttachment(raw []byte, key string, a store.Attachment, buf *bytes.Buffer) (attachmentFile, error) {
	buf.Reset()
	if _, err := ingest.ExtractAttachment(raw, a.Index, buf); err != nil {
		e.attachmentErrors++
		return attachmentFile{Index: a.Index, Error: err.Error()}, nil
	}
	name := attachmentName(key, a.Index, a.Filename)
	if _, err := e.sink.put(name, int64(buf.Len()), buf); err != nil {
		return attachmentFile{}, err
	}
	e.progress(KindAttachments)
	return attachmentFile{Index: a.Index, File: name}, nil
}

// withFiles returns doc without its raw bytes and with files under
// archiveField.
func withFiles(doc bson.Raw, files messageFiles) bson.D {
	elems, _ := doc.Elements() // the cursor already validated the document
	d := make(bson.D, 0, len(elems)+1)
	for _, el := range elems {
		if el.Key() == "raw" {
			continue
		}
		d = append(d, bson.E{Key: el.Key(), Value: el.Value()})
	}
	return append(d, bson.E{Key: archiveField, Value: files})
}
