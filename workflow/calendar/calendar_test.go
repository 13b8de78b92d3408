package calendar_test

import (
	"testing"
	"time"

	// The tests load zones by name; the embedded database makes them
	// independent of the machine's zoneinfo files.
	_ "time/tzdata"

	"github.com/keluhan/keluhan/workflow/calendar"
)

const minuteLayout = "2006-01-02 15:04"

func loadLocation(t testing.TB, name string) *time.Location {
	t.Helper()
	location, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return location
}

// at parses "YYYY-MM-DD hh:mm" in location.
func at(t testing.TB, location *time.Location, value string) time.Time {
	t.Helper()
	parsed, err := time.ParseInLocation(minuteLayout, value, location)
	if err != nil {
		t.Fatalf("ParseInLocation(%q): %v", value, err)
	}
	return parsed
}

func newCalendar(t testing.TB, cfg calendar.Config) *calendar.Calendar {
	t.Helper()
	c, err := calendar.New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return c
}

func jakartaTime(t testing.TB, value string) time.Time {
	t.Helper()
	return at(t, loadLocation(t, "Asia/Jakarta"), value)
}

func TestIsWorkingDay(t *testing.T) {
	c := newCalendar(t, calendar.Config{})
	tests := []struct {
		name string
		at   string
		want bool
	}{
		{"ordinary monday", "2026-03-02 12:00", true},
		{"ordinary friday", "2026-03-06 23:59", true},
		{"saturday", "2026-03-07 10:00", false},
		{"sunday", "2026-03-08 10:00", false},
		{"new year 2026", "2026-01-01 10:00", false},
		{"cuti bersama nyepi", "2026-03-18 10:00", false},
		{"cuti bersama idul fitri friday", "2026-03-20 10:00", false},
		{"cuti bersama idul fitri tuesday", "2026-03-24 10:00", false},
		{"day after idul fitri block", "2026-03-25 10:00", true},
		{"day before nyepi block", "2026-03-17 10:00", true},
		{"christmas eve cuti bersama", "2026-12-24 10:00", false},
		{"new year 2027", "2027-01-01 10:00", false},
		{"monday after new year 2027", "2027-01-04 10:00", true},
		{"holiday at midnight", "2026-03-19 00:00", false},
		{"holiday last minute", "2026-03-19 23:59", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			when := jakartaTime(t, tt.at)
			if got := c.IsWorkingDay(when); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestIsWorkingTime(t *testing.T) {
	c := newCalendar(t, calendar.Config{})
	monday := jakartaTime(t, "2026-03-09 00:00")
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"before opening", monday.Add(7*time.Hour + 59*time.Minute), false},
		{"exactly at opening", monday.Add(8 * time.Hour), true},
		{"midday", monday.Add(12 * time.Hour), true},
		{"last nanosecond", monday.Add(16*time.Hour - time.Nanosecond), true},
		{"exactly at closing", monday.Add(16 * time.Hour), false},
		{"evening", monday.Add(20 * time.Hour), false},
		{"saturday midday", jakartaTime(t, "2026-03-07 12:00"), false},
		{"holiday midday", jakartaTime(t, "2026-03-19 12:00"), false},
		{"utc instant inside jakarta hours", time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC), true},
		{"utc instant before jakarta opening", time.Date(2026, 3, 9, 0, 30, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.IsWorkingTime(tt.at); got != tt.want {
				t.Errorf("IsWorkingTime(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestNextOpen(t *testing.T) {
	c := newCalendar(t, calendar.Config{})
	tests := []struct {
		name string
		at   string
		want string
	}{
		{"inside hours returns same instant", "2026-03-09 10:15", "2026-03-09 10:15"},
		{"at opening", "2026-03-09 08:00", "2026-03-09 08:00"},
		{"before opening", "2026-03-09 06:30", "2026-03-09 08:00"},
		{"at closing", "2026-03-09 16:00", "2026-03-10 08:00"},
		{"friday evening", "2026-03-06 18:00", "2026-03-09 08:00"},
		{"saturday", "2026-03-07 10:00", "2026-03-09 08:00"},
		{"before nyepi and idul fitri block", "2026-03-17 17:00", "2026-03-25 08:00"},
		{"inside idul fitri block", "2026-03-21 09:00", "2026-03-25 08:00"},
		{"new year eve evening", "2026-12-31 16:30", "2027-01-04 08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.NextOpen(jakartaTime(t, tt.at))
			if want := jakartaTime(t, tt.want); !got.Equal(want) {
				t.Errorf("NextOpen(%s) = %s, want %s", tt.at, got.Format(minuteLayout), tt.want)
			}
		})
	}
}

func TestFirstWorkingDay(t *testing.T) {
	allFebruary := make([]calendar.Holiday, 0, 28)
	for day := 1; day <= 28; day++ {
		date := time.Date(2026, time.February, day, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		allFebruary = append(allFebruary, calendar.Holiday{Date: date, Name: "tutup", Kind: calendar.KindLocalHoliday})
	}

	tests := []struct {
		name  string
		cfg   calendar.Config
		year  int
		month time.Month
		want  string
	}{
		{"new year holiday then friday", calendar.Config{}, 2026, time.January, "2026-01-02 08:00"},
		{"month starting on sunday", calendar.Config{}, 2026, time.March, "2026-03-02 08:00"},
		{"pancasila day on first monday", calendar.Config{}, 2026, time.June, "2026-06-02 08:00"},
		{"working first day", calendar.Config{}, 2026, time.April, "2026-04-01 08:00"},
		{"new year 2027 then weekend", calendar.Config{}, 2027, time.January, "2027-01-04 08:00"},
		{"opening at midnight", calendar.Config{Start: 0, End: 12 * time.Hour}, 2026, time.March, "2026-03-02 00:00"},
		{"month without working day", calendar.Config{Holidays: allFebruary}, 2026, time.February, "2026-03-02 08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalendar(t, tt.cfg)
			got := c.FirstWorkingDay(tt.year, tt.month)
			if want := jakartaTime(t, tt.want); !got.Equal(want) {
				t.Errorf("FirstWorkingDay(%d, %s) = %s, want %s", tt.year, tt.month, got.Format(minuteLayout), tt.want)
			}
			if got.Location() != c.Location() {
				t.Errorf("FirstWorkingDay(%d, %s).Location() = %s, want %s", tt.year, tt.month, got.Location(), c.Location())
			}
		})
	}
}

func TestHolidayName(t *testing.T) {
	two := []calendar.Holiday{
		{Date: "2026-08-17", Name: "Proklamasi Kemerdekaan", Kind: calendar.KindNationalHoliday},
		{Date: "2026-08-17", Name: "Hari Jadi Kota", Kind: calendar.KindLocalHoliday},
	}
	tests := []struct {
		name     string
		cfg      calendar.Config
		at       string
		want     string
		wantOK   bool
		wantKind string
	}{
		{"national holiday", calendar.Config{}, "2026-03-19 10:00", "Hari Suci Nyepi (Tahun Baru Saka 1948)", true, calendar.KindNationalHoliday},
		{"cuti bersama", calendar.Config{}, "2026-03-23 10:00", "Cuti Bersama Idul Fitri 1447 Hijriah", true, calendar.KindJointLeave},
		{"holiday on sunday", calendar.Config{}, "2026-03-22 10:00", "Idul Fitri 1447 Hijriah", true, calendar.KindNationalHoliday},
		{"ordinary day", calendar.Config{}, "2026-03-25 10:00", "", false, ""},
		{"weekend is not a holiday", calendar.Config{}, "2026-03-07 10:00", "", false, ""},
		{"two holidays on one date", calendar.Config{Holidays: two}, "2026-08-17 10:00", "Proklamasi Kemerdekaan / Hari Jadi Kota", true, calendar.KindNationalHoliday},
		{"empty holidays list", calendar.Config{Holidays: []calendar.Holiday{}}, "2026-03-19 10:00", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalendar(t, tt.cfg)
			when := jakartaTime(t, tt.at)
			got, ok := c.HolidayName(when)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("HolidayName(%s) = %q, %v, want %q, %v", tt.at, got, ok, tt.want, tt.wantOK)
			}
			holidays := c.HolidaysOn(when)
			if tt.wantOK && (len(holidays) == 0 || holidays[0].Kind != tt.wantKind) {
				t.Errorf("HolidaysOn(%s) = %+v, want first kind %q", tt.at, holidays, tt.wantKind)
			}
			if !tt.wantOK && holidays != nil {
				t.Errorf("HolidaysOn(%s) = %+v, want nil", tt.at, holidays)
			}
		})
	}
}

func TestHolidaysOnReturnsCopy(t *testing.T) {
	c := newCalendar(t, calendar.Config{})
	when := jakartaTime(t, "2026-03-19 10:00")

	c.HolidaysOn(when)[0].Name = "changed"

	if got, _ := c.HolidayName(when); got != "Hari Suci Nyepi (Tahun Baru Saka 1948)" {
		t.Errorf("HolidayName(%s) after changing HolidaysOn result = %q, want the original name", when, got)
	}
}

func TestLocationIsHonoured(t *testing.T) {
	jakarta := newCalendar(t, calendar.Config{})
	makassar := newCalendar(t, calendar.Config{Location: loadLocation(t, "Asia/Makassar")})
	// 07:30 in Jakarta (WIB, UTC+7) is 08:30 in Makassar (WITA, UTC+8).
	instant := time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC)

	if jakarta.IsWorkingTime(instant) {
		t.Errorf("jakarta IsWorkingTime(%s) = true, want false", instant)
	}
	if !makassar.IsWorkingTime(instant) {
		t.Errorf("makassar IsWorkingTime(%s) = false, want true", instant)
	}

	tests := []struct {
		name string
		c    *calendar.Calendar
		want time.Time
	}{
		{"jakarta", jakarta, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)},
		{"makassar", makassar, time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.AddWorking(instant, time.Hour)
			if !got.Equal(tt.want) {
				t.Errorf("AddWorking(%s, 1h) = %s, want %s", instant, got.UTC(), tt.want)
			}
			if got.Location() != tt.c.Location() {
				t.Errorf("AddWorking(%s, 1h).Location() = %s, want %s", instant, got.Location(), tt.c.Location())
			}
		})
	}
}

func TestDaylightSavingTime(t *testing.T) {
	newYork := loadLocation(t, "America/New_York")
	office := newCalendar(t, calendar.Config{
		Location: newYork,
		Start:    9 * time.Hour,
		End:      17 * time.Hour,
		Holidays: []calendar.Holiday{},
	})
	// Clocks in New York move from 02:00 EST to 03:00 EDT on Sunday 8 March 2026.
	friday := at(t, newYork, "2026-03-06 16:00")

	got := office.Add(friday, calendar.Duration{Days: 1})
	if want := at(t, newYork, "2026-03-09 16:00"); !got.Equal(want) {
		t.Errorf("Add(%s, 1d) = %s, want %s", friday, got, want)
	}
	if between := office.WorkingBetween(friday, got); between != 8*time.Hour {
		t.Errorf("WorkingBetween(%s, %s) = %s, want 8h", friday, got, between)
	}

	always := newCalendar(t, calendar.Config{
		Location: newYork,
		Days:     []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday},
		Start:    0,
		End:      24 * time.Hour,
		Holidays: []calendar.Holiday{},
	})
	sunday, monday := at(t, newYork, "2026-03-08 00:00"), at(t, newYork, "2026-03-09 00:00")
	if between := always.WorkingBetween(sunday, monday); between != 23*time.Hour {
		t.Errorf("WorkingBetween(%s, %s) = %s, want 23h on the day clocks move forward", sunday, monday, between)
	}
}

func TestZeroCalendarPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("NextOpen on a zero Calendar returned, want a panic")
		}
	}()
	var c calendar.Calendar
	c.NextOpen(time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC))
}

func TestHolidayNameIgnoresRepeatedEntry(t *testing.T) {
	merged := append(calendar.DefaultHolidays(), calendar.Holiday{
		Date: "2026-03-19", Name: "Hari Suci Nyepi (Tahun Baru Saka 1948)", Kind: calendar.KindNationalHoliday,
	})
	c := newCalendar(t, calendar.Config{Holidays: merged})
	when := jakartaTime(t, "2026-03-19 10:00")

	if got, _ := c.HolidayName(when); got != "Hari Suci Nyepi (Tahun Baru Saka 1948)" {
		t.Errorf("HolidayName(%s) = %q, want the repeated name once", when, got)
	}
}
