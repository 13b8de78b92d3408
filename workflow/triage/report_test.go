package triage

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func sampleReport() Report {
	return Evaluate(Default(), []Item{
		{ID: "A1", Subject: "OTP", Body: "Kode OTP tidak masuk.", Label: Technical, Application: "akun"},
		{ID: "A2", Subject: "Halo", Body: "Terima kasih.", Label: NonTechnical},
	})
}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteJSON(&buf); err != nil {
		t.Fatalf("WriteJSON() error = %v", err)
	}

	want := `{
  "total": 2,
  "accuracy": 0.5,
  "correct": 1,
  "unsure_rate": 0.5,
  "unsure": 1,
  "application_accuracy": 1,
  "application_correct": 1,
  "application_total": 1,
  "classes": {
    "nonteknis": {
      "precision": 0,
      "recall": 0,
      "labelled": 1,
      "predicted": 0
    },
    "teknis": {
      "precision": 1,
      "recall": 1,
      "labelled": 1,
      "predicted": 1
    }
  },
  "confusion": {
    "nonteknis": {
      "unsure": 1
    },
    "teknis": {
      "teknis": 1
    }
  },
  "items": [
    {
      "id": "A1",
      "predicted": "teknis",
      "confidence": 0.924,
      "terms": [
        "otp",
        "tidak masuk"
      ],
      "label": "teknis",
      "application": "akun",
      "label_application": "akun"
    },
    {
      "id": "A2",
      "predicted": "unsure",
      "confidence": 0.5,
      "terms": [],
      "label": "nonteknis",
      "application": "lainnya"
    }
  ]
}
`
	if got := buf.String(); got != want {
		t.Errorf("WriteJSON() =\n%s\nwant\n%s", got, want)
	}
}

func TestWriteJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteJSON(&buf); err != nil {
		t.Fatalf("WriteJSON() error = %v", err)
	}

	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("WriteJSON() output does not decode: %v", err)
	}
	if back.Total != 2 || len(back.Items) != 2 || back.Items[0].ID != "A1" {
		t.Errorf("decoded WriteJSON() = %+v, want 2 items starting with A1", back)
	}
}

func TestWriteText(t *testing.T) {
	tests := []struct {
		lang string
		want []string
	}{
		{"", []string{"Akurasi", "50,0% (1 dari 2)", "Tidak yakin", "Presisi", "Recall", "Matriks kebingungan", "tidak yakin", "A2"}},
		{"id", []string{"Akurasi", "Matriks kebingungan"}},
		{"en", []string{"Accuracy", "50.0% (1 of 2)", "Unsure", "Precision", "Recall", "Confusion matrix", "A2"}},
		{"en-GB", []string{"Accuracy"}},
	}

	rep := sampleReport()
	for _, tt := range tests {
		t.Run("lang "+tt.lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := rep.WriteText(&buf, tt.lang); err != nil {
				t.Fatalf("WriteText(%q) error = %v", tt.lang, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("WriteText(%q) =\n%s\nwant it to contain %q", tt.lang, buf.String(), w)
				}
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	rep := sampleReport()
	if err := rep.WriteText(errWriter{}, "id"); err == nil {
		t.Errorf("WriteText(failing writer) error = nil, want an error")
	}
	if err := rep.WriteJSON(errWriter{}); err == nil {
		t.Errorf("WriteJSON(failing writer) error = nil, want an error")
	}
}

// errWriter fails every write.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) {
	return 0, errors.New("disk full")
}
