package calendar_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/keluhan/keluhan/workflow/calendar"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  calendar.Duration
	}{
		{"one day", "1d", calendar.Duration{Days: 1}},
		{"five days", "5d", calendar.Duration{Days: 5}},
		{"four hours", "4h", calendar.Duration{Hours: 4}},
		{"day and hours", "1d4h", calendar.Duration{Days: 1, Hours: 4}},
		{"all units", "1d4h30m", calendar.Duration{Days: 1, Hours: 4, Minutes: 30}},
		{"minutes kept as given", "90m", calendar.Duration{Minutes: 90}},
		{"compact parts with spaces", " 1d  4h ", calendar.Duration{Days: 1, Hours: 4}},
		{"upper case", "2D", calendar.Duration{Days: 2}},
		{"zero", "0d", calendar.Duration{}},
		{"maximum", "99999m", calendar.Duration{Minutes: 99999}},
		{"hari kerja", "3 hari kerja", calendar.Duration{Days: 3}},
		{"jam kerja", "4 jam kerja", calendar.Duration{Hours: 4}},
		{"menit kerja", "30 menit kerja", calendar.Duration{Minutes: 30}},
		{"hari and jam with one kerja", "1 hari 4 jam kerja", calendar.Duration{Days: 1, Hours: 4}},
		{"hari kerja dan jam kerja", "1 hari kerja dan 4 jam kerja", calendar.Duration{Days: 1, Hours: 4}},
		{"indonesian capitalised", "3 Hari Kerja", calendar.Duration{Days: 3}},
		{"working days", "3 working days", calendar.Duration{Days: 3}},
		{"working day singular", "1 working day", calendar.Duration{Days: 1}},
		{"working hours", "4 working hours", calendar.Duration{Hours: 4}},
		{"working minutes", "45 working minutes", calendar.Duration{Minutes: 45}},
		{"english with and", "1 working day and 4 working hours", calendar.Duration{Days: 1, Hours: 4}},
		{"english with comma", "1 working day, 4 working hours", calendar.Duration{Days: 1, Hours: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := calendar.ParseDuration(tt.input)
			if err != nil || got != tt.want {
				t.Errorf("ParseDuration(%q) = %+v, %v, want %+v, nil", tt.input, got, err, tt.want)
			}
		})
	}
}

func TestParseDurationErrors(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		reason string
	}{
		{"empty", "", "empty value"},
		{"spaces only", "   ", "empty value"},
		{"bare number", "3", "number 3 has no unit"},
		{"unit without number", "d", "not a whole number followed by d, h or m"},
		{"negative", "-1d", "not a whole number followed by d, h or m"},
		{"fraction", "1.5d", "not a whole number followed by d, h or m"},
		{"unknown compact unit", "3w", `unit "w"`},
		{"seconds", "30s", `unit "s"`},
		{"go duration syntax", "1h30m0s", `unit "s"`},
		{"days twice", "1d2d", "days given twice"},
		{"hours twice in words", "1 jam kerja 2 jam kerja", "hours given twice"},
		{"too large", "100000m", "at most 99999"},
		{"huge number", "99999999999999999999d", "at most 99999"},
		{"hari without kerja", "3 hari", `must contain "kerja" or "working"`},
		{"english without working", "3 days", `"days" is not a unit`},
		{"number without unit", "3 hari kerja 4", "number 4 has no unit"},
		{"working without unit", "3 working", `"working" must be followed by`},
		{"working weeks", "3 working weeks", `not "weeks"`},
		{"leading and", "and 3 working days", `"and" must stand between two parts`},
		{"trailing dan", "3 hari kerja dan", `"dan" must stand between two parts`},
		{"stray word", "3d kerja", `"kerja" is not a whole number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := calendar.ParseDuration(tt.input)
			if err == nil {
				t.Fatalf("ParseDuration(%q) = %+v, nil, want an error", tt.input, got)
			}
			if !errors.Is(err, calendar.ErrInvalidDuration) {
				t.Errorf("ParseDuration(%q) error = %v, want it to wrap ErrInvalidDuration", tt.input, err)
			}
			message := err.Error()
			for _, part := range []string{tt.reason, `"` + tt.input + `"`, "accepted forms: 3d, 4h", `"3 hari kerja"`, `"3 working days"`} {
				if !strings.Contains(message, part) {
					t.Errorf("ParseDuration(%q) error = %q, want it to contain %q", tt.input, message, part)
				}
			}
		})
	}
}

func TestDurationString(t *testing.T) {
	tests := []struct {
		name string
		d    calendar.Duration
		want string
	}{
		{"zero", calendar.Duration{}, "0h"},
		{"days", calendar.Duration{Days: 3}, "3d"},
		{"all units", calendar.Duration{Days: 1, Hours: 4, Minutes: 30}, "1d4h30m"},
		{"minutes only", calendar.Duration{Minutes: 90}, "90m"},
		{"hours and minutes", calendar.Duration{Hours: 2, Minutes: 5}, "2h5m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.d.String()
			if got != tt.want {
				t.Errorf("%+v.String() = %q, want %q", tt.d, got, tt.want)
			}
			if back, err := calendar.ParseDuration(got); err != nil || back != tt.d {
				t.Errorf("ParseDuration(%q) = %+v, %v, want %+v, nil", got, back, err, tt.d)
			}
		})
	}
}

func TestDurationPhrase(t *testing.T) {
	tests := []struct {
		name string
		d    calendar.Duration
		lang string
		want string
	}{
		{"indonesian days", calendar.Duration{Days: 3}, "id", "3 hari kerja"},
		{"indonesian mixed", calendar.Duration{Days: 1, Hours: 4, Minutes: 30}, "id", "1 hari 4 jam 30 menit kerja"},
		{"indonesian zero", calendar.Duration{}, "id", "0 jam kerja"},
		{"unknown language is indonesian", calendar.Duration{Hours: 4}, "fr", "4 jam kerja"},
		{"english singular", calendar.Duration{Days: 1}, "en", "1 working day"},
		{"english plural", calendar.Duration{Hours: 4}, "en", "4 working hours"},
		{"english mixed", calendar.Duration{Days: 1, Hours: 4, Minutes: 1}, "en", "1 working day and 4 working hours and 1 working minute"},
		{"english zero", calendar.Duration{}, "en", "0 working hours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.d.Phrase(tt.lang)
			if got != tt.want {
				t.Errorf("%+v.Phrase(%q) = %q, want %q", tt.d, tt.lang, got, tt.want)
			}
			if back, err := calendar.ParseDuration(got); err != nil || back != tt.d {
				t.Errorf("ParseDuration(%q) = %+v, %v, want %+v, nil", got, back, err, tt.d)
			}
		})
	}
}

func TestDurationWorking(t *testing.T) {
	tests := []struct {
		name      string
		d         calendar.Duration
		dayLength time.Duration
		want      time.Duration
	}{
		{"zero", calendar.Duration{}, 8 * time.Hour, 0},
		{"one default day", calendar.Duration{Days: 1}, 8 * time.Hour, 8 * time.Hour},
		{"three short days", calendar.Duration{Days: 3}, 7*time.Hour + 30*time.Minute, 22*time.Hour + 30*time.Minute},
		{"all units", calendar.Duration{Days: 1, Hours: 4, Minutes: 30}, 8 * time.Hour, 12*time.Hour + 30*time.Minute},
		{"largest parsed value", calendar.Duration{Days: 99999, Hours: 99999, Minutes: 99999}, 24 * time.Hour, 99999*25*time.Hour + 99999*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Working(tt.dayLength); got != tt.want {
				t.Errorf("%+v.Working(%s) = %s, want %s", tt.d, tt.dayLength, got, tt.want)
			}
		})
	}
}

func TestDurationInYAML(t *testing.T) {
	var config struct {
		Verify calendar.Duration `yaml:"verify"`
		Close  calendar.Duration `yaml:"close"`
	}
	input := "verify: 4 jam kerja\nclose: 3d\n"

	if err := yaml.Unmarshal([]byte(input), &config); err != nil {
		t.Fatalf("yaml.Unmarshal(%q): %v", input, err)
	}
	if want := (calendar.Duration{Hours: 4}); config.Verify != want {
		t.Errorf("yaml.Unmarshal(%q) verify = %+v, want %+v", input, config.Verify, want)
	}
	if want := (calendar.Duration{Days: 3}); config.Close != want {
		t.Errorf("yaml.Unmarshal(%q) close = %+v, want %+v", input, config.Close, want)
	}

	bad := "verify: 3 days\n"
	if err := yaml.Unmarshal([]byte(bad), &config); !errors.Is(err, calendar.ErrInvalidDuration) {
		t.Errorf("yaml.Unmarshal(%q) error = %v, want it to wrap ErrInvalidDuration", bad, err)
	}
}

func TestDurationMarshalYAML(t *testing.T) {
	config := struct {
		Verify calendar.Duration `yaml:"verify"`
		Close  calendar.Duration `yaml:"close"`
	}{Verify: calendar.Duration{Hours: 4}, Close: calendar.Duration{Days: 1, Minutes: 30}}

	got, err := yaml.Marshal(config)

	if want := "verify: 4h\nclose: 1d30m\n"; err != nil || string(got) != want {
		t.Errorf("yaml.Marshal(%+v) = %q, %v, want %q, nil", config, got, err, want)
	}
}
