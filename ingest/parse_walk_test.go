package ingest

import (
	"slices"
	"testing"
)

func TestSplitMultipart(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		boundary   string
		limit      int
		want       []string
		wantClosed bool
	}{
		{"crlf", "pre\r\n--b\r\none\r\n--b\r\ntwo\r\n--b--\r\nepilogue", "b", 10, []string{"one", "two"}, true},
		{"lf only", "--b\none\n--b\ntwo\n--b--\n", "b", 10, []string{"one", "two"}, true},
		{"trailing blanks on delimiter", "--b \t\r\none\r\n--b--  \r\n", "b", 10, []string{"one"}, true},
		{"not closed", "--b\r\none\r\n--b\r\ntwo is cut", "b", 10, []string{"one", "two is cut"}, false},
		{"longer boundary is not a delimiter", "--b\r\n--bx\r\ninner\r\n--b--", "b", 10, []string{"--bx\r\ninner"}, true},
		{"boundary inside a line", "--b\r\ntext --b more\r\n--b--", "b", 10, []string{"text --b more"}, true},
		{"close at end without line break", "--b\r\none\r\n--b--", "b", 10, []string{"one"}, true},
		{"empty part", "--b\r\n\r\n--b--", "b", 10, []string{""}, true},
		{"no delimiter", "just text", "b", 10, nil, false},
		{"close only", "pre\r\n--b--\r\n", "b", 10, nil, true},
		{"stops at the limit", "--b\r\none\r\n--b\r\ntwo\r\n--b\r\nthree", "b", 2, []string{"one", "two"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, closed := splitMultipart([]byte(tt.body), tt.boundary, tt.limit)
			var got []string
			for _, p := range parts {
				got = append(got, string(p))
			}
			if !slices.Equal(got, tt.want) || closed != tt.wantClosed {
				t.Errorf("splitMultipart(%q, %q) = %q, %v, want %q, %v", tt.body, tt.boundary, got, closed, tt.want, tt.wantClosed)
			}
		})
	}
}

func TestGuessBoundary(t *testing.T) {
	tests := []struct{ body, want string }{
		{"\r\n--abc123\r\nContent-Type: text/plain\r\n", "abc123"},
		{"--abc--\r\n", "abc"},
		{"------=_Part_0_1\r\n", "----=_Part_0_1"},
		{"-- \r\nsignature\r\n", ""},
		{"-----\r\n", ""},
		{"plain text\r\n", ""},
	}
	for _, tt := range tests {
		if got := guessBoundary([]byte(tt.body)); got != tt.want {
			t.Errorf("guessBoundary(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestWalkNumbersLeaves(t *testing.T) {
	raw := readCorpusFile(t, "C33-apple-alternative-with-mixed.eml")
	var got []string
	var warn warnings
	err := walkRaw(raw, DefaultMaxHeaderBytes, &warn, func(l *leaf) error {
		kind := "attachment"
		if l.isBody {
			kind = "body"
		}
		got = append(got, l.mediaType+" "+kind)
		if l.index != len(got)-1 {
			t.Errorf("walkRaw(C33) leaf %d has index %d", len(got)-1, l.index)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walkRaw(C33) error = %v", err)
	}
	want := []string{"text/plain body", "text/html body", "application/pdf attachment", "text/html body"}
	if !slices.Equal(got, want) {
		t.Errorf("walkRaw(C33) leaves = %q, want %q", got, want)
	}
}
