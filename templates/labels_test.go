package templates

import (
	"io/fs"
	"strings"
	"testing"
)

// TestLabelsHaveNoHiddenComments guards the label files against a YAML
// trap: in a plain value, a "#" after a space starts a comment, so a
// label that mentions a command such as #teknis loses its tail without
// any error. Such a value must be quoted.
func TestLabelsHaveNoHiddenComments(t *testing.T) {
	files, err := fs.Glob(FS, "*/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("Glob(*/*.yaml) = %v, %v, want label files", files, err)
	}
	for _, name := range files {
		data, err := fs.ReadFile(FS, name)
		if err != nil {
			t.Fatalf("ReadFile(%s) error: %v", name, err)
		}
		for n, line := range strings.Split(string(data), "\n") {
			trimmed := strings.TrimSpace(line)
			if strings.HasPrefix(trimmed, "#") {
				continue
			}
			_, value, ok := strings.Cut(trimmed, ": ")
			if !ok || strings.HasPrefix(value, `"`) || strings.HasPrefix(value, "'") {
				continue
			}
			if strings.Contains(value, " #") {
				t.Errorf("%s:%d: plain value holds \" #\", which YAML reads as a comment; quote the value", name, n+1)
			}
		}
	}
}
