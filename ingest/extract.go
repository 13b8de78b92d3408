package ingest

import (
	"errors"
	"fmt"
	"io"
)

// ErrNoAttachment means the requested part does not exist or is body
// text rather than an attachment.
var ErrNoAttachment = errors.New("no attachment at this index")

// ExtractAttachment writes the decoded content of the attachment with the
// given index (Attachment.Index as Parse numbers it) to w, streaming it,
// and returns its description with Size and SHA256 of what was written.
// raw must be the same bytes Parse read. A part whose encoding is broken
// is written as far as it decodes, as Parse hashed it. It returns an error
// wrapping ErrNoAttachment when index names no attachment, and the error
// of w when writing fails.
//
// NOTE: parts are numbered with DefaultMaxHeaderBytes. A message parsed
// with another MaxHeaderBytes is numbered the same unless one of its
// header sections is larger than either limit.
func ExtractAttachment(raw []byte, index int, w io.Writer) (Attachment, error) {
	var found *Attachment
	var writeErr error
	var warn warnings
	visit := func(l *leaf) error {
		if l.index != index {
			return nil
		}
		if l.isBody {
			return errStopWalk
		}
		a := describeAttachment(l, &warn)
		_, writeErr = streamAttachment(l, &a, w)
		found = &a
		return errStopWalk
	}

	if err := walkRaw(raw, DefaultMaxHeaderBytes, &warn, visit); err != nil && !errors.Is(err, errStopWalk) {
		return Attachment{}, fmt.Errorf("extract attachment %d: %w", index, err)
	}
	if found == nil {
		return Attachment{}, fmt.Errorf("extract attachment %d: %w", index, ErrNoAttachment)
	}
	if writeErr != nil {
		return *found, fmt.Errorf("extract attachment %d: %w", index, writeErr)
	}
	return *found, nil
}
