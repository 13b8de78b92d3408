package mailer

import (
	"testing"
	"time"
)

// testFuncs returns the template functions bound to the embedded catalog
// of lang.
func testFuncs(t *testing.T, lang string) *templateFuncs {
	t.Helper()
	r := newTestRenderer(t, RenderConfig{})
	return newTemplateFuncs(r.languages[lang].labels, jakarta(), 8*time.Hour)
}

func TestDateFormats(t *testing.T) {
	moment := time.Date(2026, time.December, 7, 7, 30, 0, 0, time.UTC) // 14.30 in Jakarta
	tests := []struct {
		lang, fn string
		t        time.Time
		want     string
	}{
		{"id", "datetime", moment, "Senin, 7 Desember 2026 14.30 WIB"},
		{"en", "datetime", moment, "Monday, 7 December 2026 14:30 WIB"},
		{"id", "date", moment, "Senin, 7 Desember 2026"},
		{"id", "plaindate", moment, "7 Desember 2026"},
		{"id", "monthyear", moment, "Desember 2026"},
		{"en", "monthyear", time.Date(2026, time.May, 31, 18, 0, 0, 0, time.UTC), "June 2026"},
		{"id", "date", time.Date(2026, time.August, 16, 17, 0, 0, 0, time.UTC), "Senin, 17 Agustus 2026"},
		{"id", "datetime", time.Time{}, "-"},
	}
	for _, tt := range tests {
		f := testFuncs(t, tt.lang)
		funcs := map[string]func(time.Time) string{
			"date": f.date, "datetime": f.datetime, "plaindate": f.plainDate, "monthyear": f.monthYear,
		}
		if got := funcs[tt.fn](tt.t); got != tt.want {
			t.Errorf("%s %s(%v) = %q, want %q", tt.lang, tt.fn, tt.t, got, tt.want)
		}
	}
}

func TestWorkingDuration(t *testing.T) {
	tests := []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"id", 0, "0 menit"},
		{"id", 20 * time.Second, "1 menit"},
		{"id", 45 * time.Minute, "45 menit"},
		{"id", 2 * time.Hour, "2 jam"},
		{"id", 3*time.Hour + 20*time.Minute, "3 jam 20 menit"},
		{"id", 8 * time.Hour, "1 hari kerja"},
		{"id", 19*time.Hour + 45*time.Minute, "2 hari kerja 3 jam"},
		{"en", time.Minute, "1 minute"},
		{"en", time.Hour + 2*time.Minute, "1 hour 2 minutes"},
		{"en", 16 * time.Hour, "2 working days"},
		{"en", 9 * time.Hour, "1 working day 1 hour"},
		{"en", -time.Hour, "0 minutes"},
	}
	for _, tt := range tests {
		if got := testFuncs(t, tt.lang).workingDuration(tt.d); got != tt.want {
			t.Errorf("%s workdur(%v) = %q, want %q", tt.lang, tt.d, got, tt.want)
		}
	}
}

func TestLabelFunc(t *testing.T) {
	f := testFuncs(t, "id")
	tests := []struct {
		name  string
		parts []any
		want  string
	}{
		{"typed value", []any{"state", "follow_up"}, "Dalam tindak lanjut"},
		{"missing value shows it", []any{"state", "Baru"}, "Baru"},
		{"whole key", []any{"format.clock"}, "15.04"},
		{"missing whole key", []any{"nothing.here"}, "nothing.here"},
	}
	for _, tt := range tests {
		if got := f.label(tt.parts...); got != tt.want {
			t.Errorf("label(%v) = %q, want %q", tt.parts, got, tt.want)
		}
	}
}

func TestTextFuncs(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"percent", percent(0.824), "82%"},
		{"percent rounds up", percent(0.995), "100%"},
		{"ratio", ratio(139, 151), "92%"},
		{"ratio of nothing", ratio(0, 0), "-"},
		{"excerpt short", excerpt(20, "Akun terkunci"), "Akun terkunci"},
		{"excerpt cuts at a space", excerpt(20, "Tidak bisa login ke SIMPEG sejak kemarin"), "Tidak bisa login ke…"},
		{"excerpt joins lines", excerpt(40, "Baris satu\nbaris dua"), "Baris satu baris dua"},
		{"quote", quote("Halo\n\nTerima kasih\n"), "> Halo\n>\n> Terima kasih"},
		{"indent", indent(2, "satu\ndua"), "  satu\n  dua"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestTidyText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"blank runs", "\n\nA  \n\n\n\nB\n\n", "A\n\nB\n"},
		{"CRLF", "A\r\nB", "A\nB\n"},
		{"empty", "", "\n"},
	}
	for _, tt := range tests {
		if got := tidyText(tt.in); got != tt.want {
			t.Errorf("tidyText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
