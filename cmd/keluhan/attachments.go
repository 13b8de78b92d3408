package main

import (
	"context"
	"fmt"
	"io"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/mailer"
	"github.com/keluhan/keluhan/store"
	"github.com/keluhan/keluhan/workflow"
)

// attachmentSource opens the files an outgoing email forwards: parts of
// stored inbound messages, or blobs. It implements
// mailer.AttachmentSource.
type attachmentSource struct {
	store *store.Store
}

// Attachments returns openers for refs; each opener reads its file only
// when the mailer streams it.
func (s attachmentSource) Attachments(ctx context.Context, refs []workflow.AttachmentRef) ([]mailer.Attachment, error) {
	out := make([]mailer.Attachment, 0, len(refs))
	for _, ref := range refs {
		out = append(out, mailer.Attachment{
			Filename:    ref.Filename,
			ContentType: ref.ContentType,
			Open:        s.opener(ctx, ref),
		})
	}
	return out, nil
}

func (s attachmentSource) opener(ctx context.Context, ref workflow.AttachmentRef) func() (io.ReadCloser, error) {
	if ref.MessageKey == "" {
		return func() (io.ReadCloser, error) { return s.store.OpenBlob(ctx, ref.BlobName) }
	}
	return func() (io.ReadCloser, error) {
		raw, err := s.store.Raw(ctx, ref.MessageKey)
		if err != nil {
			return nil, fmt.Errorf("read message %s: %w", ref.MessageKey, err)
		}
		// The part is decoded into a pipe as the mailer reads it, so a
		// large attachment is not held decoded beside the raw message.
		pr, pw := io.Pipe()
		go func() {
			_, err := ingest.ExtractAttachment(raw, ref.Index, pw)
			if err != nil {
				err = fmt.Errorf("extract part %d of %s: %w", ref.Index, ref.MessageKey, err)
			}
			pw.CloseWithError(err)
		}()
		return pr, nil
	}
}
