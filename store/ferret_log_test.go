package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestFerretLoggerKeepsErrorsWithAttributes checks that FerretDB's logger
// drops records below Error and that an error keeps the attributes and
// groups added before it, in order.
func TestFerretLoggerKeepsErrorsWithAttributes(t *testing.T) {
	var buf bytes.Buffer
	log := ferretLogger(slog.New(slog.NewTextHandler(&buf, nil)))
	conn := log.With("conn", 7).WithGroup("req").With("op", "find")
	conn.Warn("duplicate key")
	conn.Error("disk full", "table", "tickets")
	out := buf.String()
	if strings.Contains(out, "duplicate key") {
		t.Errorf("log output holds a warning:\n%s", out)
	}
	want := `msg="disk full" component=ferretdb conn=7 req.op=find req.table=tickets`
	if !strings.Contains(out, want) {
		t.Errorf("log output = %q, want it to contain %q", out, want)
	}
}
