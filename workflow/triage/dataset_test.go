package triage

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadJSONL(t *testing.T) {
	in := `{"id":"A1","subject":"OTP","body":"OTP tidak masuk","label":"teknis","lang":"id","difficulty":"easy","application":"akun"}

{"id":"A2","subject":"Biaya","body":"Berapa biaya?","label":"nonteknis","extra":"ignored"}`

	items, err := ReadJSONL(strings.NewReader(in))
	if err != nil {
		t.Fatalf("ReadJSONL(two items) error = %v, want nil", err)
	}
	if len(items) != 2 {
		t.Fatalf("ReadJSONL(two items) returned %d items, want 2", len(items))
	}

	want := Item{ID: "A1", Subject: "OTP", Body: "OTP tidak masuk", Label: Technical, Lang: "id", Difficulty: "easy", Application: "akun"}
	if items[0] != want {
		t.Errorf("ReadJSONL(two items)[0] = %+v, want %+v", items[0], want)
	}
	if items[1].ID != "A2" || items[1].Label != NonTechnical {
		t.Errorf("ReadJSONL(two items)[1] = %+v, want id A2 labelled %s", items[1], NonTechnical)
	}
}

func TestReadJSONLEmpty(t *testing.T) {
	items, err := ReadJSONL(strings.NewReader(""))
	if err != nil || items == nil || len(items) != 0 {
		t.Errorf("ReadJSONL(\"\") = %v, %v, want an empty slice and nil", items, err)
	}
}

func TestReadJSONLErrors(t *testing.T) {
	good := `{"id":"A1","label":"teknis"}`
	tests := []struct {
		name     string
		in       string
		wantLine string
	}{
		{"broken json", good + "\n{\"id\":", "line 2:"},
		{"missing id", good + "\n\n{\"label\":\"teknis\"}", "line 3:"},
		{"bad label", `{"id":"A1","label":"technical"}`, "line 1:"},
		{"empty label", `{"id":"A1"}`, "line 1:"},
		{"duplicate id", good + "\n" + good, "line 2:"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSONL(strings.NewReader(tt.in))
			if !errors.Is(err, ErrInvalidItem) {
				t.Fatalf("ReadJSONL(%s) error = %v, want ErrInvalidItem", tt.name, err)
			}
			if !strings.HasPrefix(err.Error(), tt.wantLine) {
				t.Errorf("ReadJSONL(%s) error = %q, want it to start with %q", tt.name, err, tt.wantLine)
			}
		})
	}
}

func TestReadJSONLReadError(t *testing.T) {
	failing := io.MultiReader(strings.NewReader(`{"id":"A1","label":"teknis"}`+"\n"), iotest.ErrReader(errors.New("disk gone")))

	_, err := ReadJSONL(failing)
	if err == nil || errors.Is(err, ErrInvalidItem) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ReadJSONL(failing reader) error = %v, want a read error naming line 2", err)
	}
}
