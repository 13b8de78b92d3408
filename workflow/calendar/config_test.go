package calendar_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow/calendar"
)

func TestNewDefaults(t *testing.T) {
	c := newCalendar(t, calendar.Config{})

	if got := c.Location().String(); got != "Asia/Jakarta" {
		t.Errorf("New(Config{}).Location() = %s, want Asia/Jakarta", got)
	}
	if got := c.DayLength(); got != 8*time.Hour {
		t.Errorf("New(Config{}).DayLength() = %s, want 8h", got)
	}
	if got := c.NextOpen(jakartaTime(t, "2026-03-07 10:00")); !got.Equal(jakartaTime(t, "2026-03-09 08:00")) {
		t.Errorf("New(Config{}).NextOpen(saturday) = %s, want monday 08:00", got)
	}
	if c.IsWorkingDay(jakartaTime(t, "2026-03-20 10:00")) {
		t.Errorf("New(Config{}).IsWorkingDay(2026-03-20) = true, want false: default holidays missing")
	}
}

func TestNewCustom(t *testing.T) {
	c := newCalendar(t, calendar.Config{
		Days:     []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday},
		Start:    7*time.Hour + 30*time.Minute,
		End:      15*time.Hour + 30*time.Minute,
		Holidays: []calendar.Holiday{},
	})
	tests := []struct {
		name string
		at   string
		want bool
	}{
		{"saturday is working", "2026-03-07 10:00", true},
		{"sunday is not", "2026-03-08 10:00", false},
		{"07:30 opens", "2026-03-09 07:30", true},
		{"07:29 is before", "2026-03-09 07:29", false},
		{"15:30 closes", "2026-03-09 15:30", false},
		{"empty holidays keep cuti bersama working", "2026-03-20 10:00", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.IsWorkingTime(jakartaTime(t, tt.at)); got != tt.want {
				t.Errorf("IsWorkingTime(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     calendar.Config
		message string
	}{
		{"empty days", calendar.Config{Days: []time.Weekday{}}, "no working days"},
		{"weekday too large", calendar.Config{Days: []time.Weekday{7}}, "working day 7"},
		{"negative weekday", calendar.Config{Days: []time.Weekday{-1}}, "working day -1"},
		{"start after end", calendar.Config{Start: 16 * time.Hour, End: 8 * time.Hour}, "working hours 16:00-08:00 are empty"},
		{"start equals end", calendar.Config{Start: 8 * time.Hour, End: 8 * time.Hour}, "start must be before end"},
		{"only start set", calendar.Config{Start: 9 * time.Hour}, "start must be before end"},
		{"negative start", calendar.Config{Start: -time.Hour, End: 8 * time.Hour}, "working hours -1h0m0s-08:00 are outside one day"},
		{"end after midnight", calendar.Config{Start: 8 * time.Hour, End: 25 * time.Hour}, "working hours 08:00-25h0m0s are outside one day"},
		{"invalid holiday date", calendar.Config{Holidays: []calendar.Holiday{
			{Date: "2026-01-01", Name: "Tahun Baru", Kind: calendar.KindNationalHoliday},
			{Date: "2026-02-30", Name: "Tidak ada", Kind: calendar.KindLocalHoliday},
		}}, `holiday entry 2: date "2026-02-30"`},
		{"invalid holiday kind", calendar.Config{Holidays: []calendar.Holiday{
			{Date: "2026-01-01", Name: "Tahun Baru", Kind: "nasional"},
		}}, `kind "nasional"`},
		{"holiday without name", calendar.Config{Holidays: []calendar.Holiday{
			{Date: "2026-01-01", Name: " ", Kind: calendar.KindNationalHoliday},
		}}, "has no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := calendar.New(tt.cfg)
			if err == nil {
				t.Fatalf("New(%+v) = %v, nil, want an error", tt.cfg, c)
			}
			if !errors.Is(err, calendar.ErrInvalidConfig) {
				t.Errorf("New(%+v) error = %v, want it to wrap ErrInvalidConfig", tt.cfg, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("New(%+v) error = %q, want it to contain %q", tt.cfg, err, tt.message)
			}
		})
	}
}
