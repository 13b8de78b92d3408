package calendar_test

import (
	"testing"
	"time"

	"github.com/keluhan/keluhan/workflow/calendar"
)

func TestAdd(t *testing.T) {
	c := newCalendar(t, calendar.Config{})
	tests := []struct {
		name  string
		start string
		d     calendar.Duration
		want  string
	}{
		{"one day from friday afternoon", "2026-03-06 15:00", calendar.Duration{Days: 1}, "2026-03-09 15:00"},
		{"one day from saturday", "2026-03-07 10:00", calendar.Duration{Days: 1}, "2026-03-09 16:00"},
		{"four hours from saturday", "2026-03-07 10:00", calendar.Duration{Hours: 4}, "2026-03-09 12:00"},
		{"four hours before opening", "2026-03-09 07:00", calendar.Duration{Hours: 4}, "2026-03-09 12:00"},
		{"four hours after closing", "2026-03-09 17:00", calendar.Duration{Hours: 4}, "2026-03-10 12:00"},
		{"one day at opening ends at closing", "2026-03-09 08:00", calendar.Duration{Days: 1}, "2026-03-09 16:00"},
		{"one day and a minute at opening", "2026-03-09 08:00", calendar.Duration{Days: 1, Minutes: 1}, "2026-03-10 08:01"},
		{"one hour at closing", "2026-03-09 16:00", calendar.Duration{Hours: 1}, "2026-03-10 09:00"},
		{"one day at closing", "2026-03-09 16:00", calendar.Duration{Days: 1}, "2026-03-10 16:00"},
		{"ten days", "2026-03-02 09:30", calendar.Duration{Days: 10}, "2026-03-16 09:30"},
		{"hours over a weekend", "2026-03-13 14:00", calendar.Duration{Hours: 4}, "2026-03-16 10:00"},
		{"ninety minutes over closing", "2026-03-09 15:00", calendar.Duration{Minutes: 90}, "2026-03-10 08:30"},
		{"day and hours from friday", "2026-03-06 15:00", calendar.Duration{Days: 1, Hours: 4}, "2026-03-10 11:00"},
		{"imlek cuti bersama and holiday", "2026-02-13 12:00", calendar.Duration{Days: 1}, "2026-02-18 12:00"},
		{"one day over nyepi and idul fitri", "2026-03-17 15:00", calendar.Duration{Days: 1}, "2026-03-25 15:00"},
		{"three days over nyepi and idul fitri", "2026-03-17 10:00", calendar.Duration{Days: 3}, "2026-03-27 10:00"},
		{"start inside idul fitri block", "2026-03-21 10:00", calendar.Duration{Hours: 4}, "2026-03-25 12:00"},
		{"two days over christmas", "2026-12-23 14:00", calendar.Duration{Days: 2}, "2026-12-29 14:00"},
		{"one day over year end", "2026-12-31 12:00", calendar.Duration{Days: 1}, "2027-01-04 12:00"},
		{"two days over year end and isra mikraj", "2026-12-31 12:00", calendar.Duration{Days: 2}, "2027-01-06 12:00"},
		{"zero inside hours", "2026-03-09 10:00", calendar.Duration{}, "2026-03-09 10:00"},
		{"zero on saturday stays", "2026-03-07 10:00", calendar.Duration{}, "2026-03-07 10:00"},
		{"negative stays", "2026-03-09 10:00", calendar.Duration{Hours: -2}, "2026-03-09 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Add(jakartaTime(t, tt.start), tt.d)
			if want := jakartaTime(t, tt.want); !got.Equal(want) {
				t.Errorf("Add(%s, %s) = %s, want %s", tt.start, tt.d, got.Format(minuteLayout), tt.want)
			}
			if got.Location() != c.Location() {
				t.Errorf("Add(%s, %s).Location() = %s, want %s", tt.start, tt.d, got.Location(), c.Location())
			}
		})
	}
}

func TestAddWorkingUTCInput(t *testing.T) {
	c := newCalendar(t, calendar.Config{})
	// 2026-03-06 08:00 UTC is Friday 15:00 in Jakarta.
	start := time.Date(2026, 3, 6, 8, 0, 0, 0, time.UTC)

	got := c.AddWorking(start, 8*time.Hour)

	if want := jakartaTime(t, "2026-03-09 15:00"); !got.Equal(want) || got.Location() != c.Location() {
		t.Errorf("AddWorking(%s, 8h) = %s, want %s in the calendar's location", start, got, want)
	}
}

func TestWorkingBetween(t *testing.T) {
	c := newCalendar(t, calendar.Config{})
	tests := []struct {
		name string
		a, b string
		want time.Duration
	}{
		{"same day inside hours", "2026-03-09 09:00", "2026-03-09 11:30", 150 * time.Minute},
		{"whole day", "2026-03-09 00:00", "2026-03-10 00:00", 8 * time.Hour},
		{"friday afternoon to monday", "2026-03-06 15:00", "2026-03-09 15:00", 8 * time.Hour},
		{"over a weekend only", "2026-03-06 16:00", "2026-03-09 08:00", 0},
		{"nyepi and idul fitri block", "2026-03-17 16:00", "2026-03-25 08:00", 0},
		{"two weeks around idul fitri", "2026-03-16 08:00", "2026-03-27 16:00", 40 * time.Hour},
		// 2h on 23 December, 28-31 December, 4 January, 4h on 6 January.
		{"year end", "2026-12-23 14:00", "2027-01-06 12:00", 2*time.Hour + 4*8*time.Hour + 8*time.Hour + 4*time.Hour},
		{"equal instants", "2026-03-09 10:00", "2026-03-09 10:00", 0},
		{"reversed", "2026-03-10 10:00", "2026-03-09 10:00", 0},
		{"both before opening", "2026-03-09 06:00", "2026-03-09 07:59", 0},
		{"opening to closing", "2026-03-09 08:00", "2026-03-09 16:00", 8 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := jakartaTime(t, tt.a), jakartaTime(t, tt.b)
			if got := c.WorkingBetween(a, b); got != tt.want {
				t.Errorf("WorkingBetween(%s, %s) = %s, want %s", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestWorkingTimeConsistency checks, for many starts across weekends, the
// Idul Fitri block and the year end, that AddWorking and WorkingBetween
// agree and that Add counts a day as DayLength.
func TestWorkingTimeConsistency(t *testing.T) {
	c := newCalendar(t, calendar.Config{})
	amounts := []time.Duration{
		0, time.Minute, 59 * time.Minute, time.Hour, 7*time.Hour + 59*time.Minute,
		8 * time.Hour, 8*time.Hour + time.Minute, 24 * time.Hour, 40*time.Hour + 17*time.Minute,
	}
	periods := [][2]string{
		{"2026-03-12 00:00", "2026-03-28 00:00"},
		{"2026-12-20 00:00", "2027-01-08 00:00"},
	}

	for _, period := range periods {
		end := jakartaTime(t, period[1])
		for start := jakartaTime(t, period[0]); start.Before(end); start = start.Add(37 * time.Minute) {
			for _, amount := range amounts {
				checkAddWorking(t, c, start, amount)
			}
			checkRoundTrip(t, c, start, start.Add(53*time.Hour+11*time.Minute))
			checkOneDay(t, c, start)
		}
	}
}

func checkAddWorking(t *testing.T, c *calendar.Calendar, start time.Time, amount time.Duration) {
	t.Helper()
	due := c.AddWorking(start, amount)
	if got := c.WorkingBetween(start, due); got != amount {
		t.Fatalf("WorkingBetween(%s, AddWorking(%s, %s)) = %s, want %s", start, start, amount, got, amount)
	}
	if due.Before(start) {
		t.Fatalf("AddWorking(%s, %s) = %s, want no earlier than the start", start, amount, due)
	}
	if amount > 0 && !c.IsWorkingTime(due.Add(-time.Nanosecond)) {
		t.Fatalf("AddWorking(%s, %s) = %s, want the instant before it to be working time", start, amount, due)
	}
}

func checkRoundTrip(t *testing.T, c *calendar.Calendar, start, end time.Time) {
	t.Helper()
	between := c.WorkingBetween(start, end)
	back := c.AddWorking(start, between)
	if back.After(end) {
		t.Fatalf("AddWorking(%s, WorkingBetween(..., %s)) = %s, want no later than %s", start, end, back, end)
	}
	if rest := c.WorkingBetween(back, end); rest != 0 {
		t.Fatalf("WorkingBetween(%s, %s) = %s, want 0 after the round trip", back, end, rest)
	}
}

func checkOneDay(t *testing.T, c *calendar.Calendar, start time.Time) {
	t.Helper()
	byDays := c.Add(start, calendar.Duration{Days: 1})
	if byTime := c.AddWorking(start, c.DayLength()); !byDays.Equal(byTime) {
		t.Fatalf("Add(%s, 1d) = %s, want AddWorking(%s, DayLength()) = %s", start, byDays, start, byTime)
	}
}

func BenchmarkAdd(b *testing.B) {
	c := newCalendar(b, calendar.Config{})
	start := jakartaTime(b, "2026-03-16 10:00")
	d := calendar.Duration{Days: 3, Hours: 4}

	for i := 0; b.Loop(); i++ {
		c.Add(start.Add(time.Duration(i%500)*time.Hour), d)
	}
}

func BenchmarkWorkingBetween(b *testing.B) {
	c := newCalendar(b, calendar.Config{})
	start := jakartaTime(b, "2026-03-16 10:00")
	end := jakartaTime(b, "2026-04-16 10:00")

	for b.Loop() {
		c.WorkingBetween(start, end)
	}
}
