package calendar_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/keluhan/keluhan/workflow/calendar"
)

func TestDefaultHolidaysCounts(t *testing.T) {
	type yearKind struct {
		year string
		kind string
	}
	counts := map[yearKind]int{}
	for _, h := range calendar.DefaultHolidays() {
		counts[yearKind{h.Date[:4], h.Kind}]++
	}

	// Each SKB states its totals: 17 + 8 days for 2026, 18 + 8 for 2027.
	want := map[yearKind]int{
		{"2026", calendar.KindNationalHoliday}: 17,
		{"2026", calendar.KindJointLeave}:      8,
		{"2027", calendar.KindNationalHoliday}: 18,
		{"2027", calendar.KindJointLeave}:      8,
	}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("DefaultHolidays() counts by year and kind = %v, want %v", counts, want)
	}
}

func TestDefaultHolidaysSorted(t *testing.T) {
	holidays := calendar.DefaultHolidays()
	for i := 1; i < len(holidays); i++ {
		if holidays[i].Date < holidays[i-1].Date {
			t.Errorf("DefaultHolidays()[%d] = %s after %s, want dates in order", i, holidays[i].Date, holidays[i-1].Date)
		}
	}
}

func TestDefaultHolidaysReturnsCopy(t *testing.T) {
	first := calendar.DefaultHolidays()
	first[0].Name = "changed"

	if got := calendar.DefaultHolidays()[0].Name; got == "changed" {
		t.Errorf("DefaultHolidays()[0].Name = %q after changing an earlier result, want the built-in name", got)
	}
}

func TestDefaultHolidaysFileLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "libur.yaml")
	if err := os.WriteFile(path, calendar.DefaultHolidaysFile(), 0o600); err != nil {
		t.Fatal(err)
	}

	got, err := calendar.LoadHolidays(path)

	if err != nil || !reflect.DeepEqual(got, calendar.DefaultHolidays()) {
		t.Errorf("LoadHolidays(copy of DefaultHolidaysFile()) = %d entries, %v, want DefaultHolidays()", len(got), err)
	}
	if !bytes.Contains(calendar.DefaultHolidaysFile(), []byte("# 2027 (unverified")) {
		t.Errorf("DefaultHolidaysFile() lost its comments")
	}
}

func TestLoadHolidays(t *testing.T) {
	got, err := calendar.LoadHolidays(filepath.Join("testdata", "local-holidays.yaml"))
	if err != nil {
		t.Fatalf("LoadHolidays(local-holidays.yaml): %v", err)
	}

	want := []calendar.Holiday{
		{Date: "2026-08-17", Name: "Proklamasi Kemerdekaan", Kind: calendar.KindNationalHoliday},
		{Date: "2026-12-25", Name: "Kelahiran Yesus Kristus", Kind: calendar.KindNationalHoliday},
		{Date: "2026-04-28", Name: "Hari Jadi Kota", Kind: calendar.KindLocalHoliday},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadHolidays(local-holidays.yaml) = %+v, want %+v", got, want)
	}

	c := newCalendar(t, calendar.Config{Holidays: got})
	if c.IsWorkingDay(jakartaTime(t, "2026-04-28 10:00")) {
		t.Errorf("IsWorkingDay(2026-04-28) = true, want false on the local holiday")
	}
	if !c.IsWorkingDay(jakartaTime(t, "2026-03-20 10:00")) {
		t.Errorf("IsWorkingDay(2026-03-20) = false, want true: the file replaces the built-in list")
	}
}

func TestLoadHolidaysEmptyList(t *testing.T) {
	path := writeHolidays(t, "holidays: []\n")

	got, err := calendar.LoadHolidays(path)

	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("LoadHolidays(%q) = %#v, %v, want an empty non-nil list", "holidays: []", got, err)
	}
}

func TestLoadHolidaysErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		message string
	}{
		{
			name:    "invalid date",
			content: "holidays:\n  - {date: 2026-01-01, kind: libur, name: A}\n  - {date: 2026-13-01, kind: libur, name: B}\n",
			message: `line 3: entry 2: date "2026-13-01" is not a valid YYYY-MM-DD date`,
		},
		{
			name:    "date without leading zeros",
			content: "holidays:\n  - {date: 2026-1-5, kind: libur, name: A}\n",
			message: `line 2: entry 1: date "2026-1-5"`,
		},
		{
			name:    "unknown kind",
			content: "holidays:\n  - date: 2026-01-01\n    kind: nasional\n    name: A\n",
			message: `line 2: entry 1: holiday on 2026-01-01 has kind "nasional": use "libur", "cuti_bersama" or "lokal"`,
		},
		{
			name:    "missing name",
			content: "holidays:\n  - {date: 2026-01-01, kind: libur}\n",
			message: "line 2: entry 1: holiday on 2026-01-01 has no name",
		},
		{
			name:    "misspelled field",
			content: "holidays:\n  - date: 2026-01-01\n    kind: libur\n    nama: A\n",
			message: `line 4: entry 1: unknown field "nama"`,
		},
		{
			name:    "entry not a mapping",
			content: "holidays:\n  - {date: 2026-01-01, kind: libur, name: A}\n  - 2026-01-02\n",
			message: "line 3: entry 2:",
		},
		{
			name:    "repeated entry",
			content: "holidays:\n  - {date: 2026-01-01, kind: libur, name: A}\n  - {date: 2026-01-02, kind: libur, name: B}\n  - {date: 2026-01-01, kind: libur, name: A}\n",
			message: `line 4: entry 3 repeats entry 1 (line 2): 2026-01-01 "A"`,
		},
		{
			name:    "misspelled list key",
			content: "holiday:\n  - {date: 2026-01-01, kind: libur, name: A}\n",
			message: `line 1: unknown field "holiday"`,
		},
		{
			name:    "no list",
			content: "# nothing yet\n",
			message: `no "holidays" list`,
		},
		{
			name:    "syntax error",
			content: "holidays:\n  - {date: 2026-01-01, kind: libur, name: A\n  - {date: 2026-01-02, kind: libur, name: B}\n",
			message: "line ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeHolidays(t, tt.content)

			got, err := calendar.LoadHolidays(path)

			if err == nil {
				t.Fatalf("LoadHolidays(%q) = %+v, nil, want an error", tt.content, got)
			}
			if !errors.Is(err, calendar.ErrInvalidHolidays) {
				t.Errorf("LoadHolidays(%q) error = %v, want it to wrap ErrInvalidHolidays", tt.content, err)
			}
			for _, part := range []string{path, tt.message} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("LoadHolidays(%q) error = %q, want it to contain %q", tt.content, err, part)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("LoadHolidays(%q) error = %q, want a single line", tt.content, err)
			}
		})
	}
}

func TestLoadHolidaysMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")

	_, err := calendar.LoadHolidays(path)

	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, calendar.ErrInvalidHolidays) {
		t.Errorf("LoadHolidays(%q) error = %v, want fs.ErrNotExist and not ErrInvalidHolidays", path, err)
	}
}

func TestDefaultHolidaysMatchSKB2026(t *testing.T) {
	c := newCalendar(t, calendar.Config{})
	// Weekdays of 2026 that the SKB makes non-working.
	closed := []string{
		"2026-01-01", "2026-01-16", "2026-02-16", "2026-02-17", "2026-03-18", "2026-03-19",
		"2026-03-20", "2026-03-23", "2026-03-24", "2026-04-03", "2026-05-01", "2026-05-14",
		"2026-05-15", "2026-05-27", "2026-05-28", "2026-06-01", "2026-06-16", "2026-08-17",
		"2026-08-25", "2026-12-24", "2026-12-25",
	}
	for _, date := range closed {
		when := jakartaTime(t, date+" 10:00")
		if c.IsWorkingDay(when) {
			t.Errorf("IsWorkingDay(%s) = true, want false", date)
		}
	}

	workingDays := 0
	for day := jakartaTime(t, "2026-01-01 10:00"); day.Year() == 2026; day = day.AddDate(0, 0, 1) {
		if c.IsWorkingDay(day) {
			workingDays++
		}
	}
	// 261 weekdays in 2026 minus the 21 closed weekdays above.
	if workingDays != 240 {
		t.Errorf("working days in 2026 = %d, want 240", workingDays)
	}
}

func writeHolidays(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "libur.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
