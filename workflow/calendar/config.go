package calendar

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig is wrapped by every error New returns.
var ErrInvalidConfig = errors.New("invalid calendar config")

// Default working hours, as offsets from midnight.
const (
	DefaultStart = 8 * time.Hour
	DefaultEnd   = 16 * time.Hour
)

// Config describes working time. The zero Config is the default calendar:
// Asia/Jakarta, Monday to Friday, 08:00-16:00, DefaultHolidays.
type Config struct {
	// Location is the time zone of the working hours and of the holiday
	// dates. Nil means Asia/Jakarta.
	Location *time.Location
	// Days are the working weekdays. Nil means Monday to Friday. An empty
	// non-nil slice is rejected because it leaves no working time.
	Days []time.Weekday
	// Start and End are the opening and closing wall-clock times as offsets
	// from midnight, for example 8*time.Hour and 16*time.Hour. When both
	// are zero, DefaultStart and DefaultEnd apply. Otherwise
	// 0 <= Start < End <= 24h must hold.
	Start, End time.Duration
	// Holidays are the non-working dates. Nil means DefaultHolidays. An
	// empty non-nil slice means no holidays at all.
	Holidays []Holiday
}

// Calendar computes working time for one Config. It is immutable and safe
// for concurrent use. Create it with New, because the methods of a zero
// Calendar panic for lack of a location.
type Calendar struct {
	location *time.Location
	days     [7]bool
	start    time.Duration
	end      time.Duration
	holidays map[civilDate][]Holiday
}

// New returns the calendar for cfg after filling its defaults. It fails
// with an error wrapping ErrInvalidConfig when the working days are empty,
// a weekday is out of range, the hours are not 0 <= Start < End <= 24h, or
// a holiday entry is invalid.
func New(cfg Config) (*Calendar, error) {
	cfg = withDefaults(cfg)

	days, err := workingDays(cfg.Days)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}

	if err := validateHours(cfg.Start, cfg.End); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}

	holidays, err := indexHolidays(cfg.Holidays)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}

	return &Calendar{
		location: cfg.Location,
		days:     days,
		start:    cfg.Start,
		end:      cfg.End,
		holidays: holidays,
	}, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Location == nil {
		cfg.Location = jakarta()
	}
	if cfg.Days == nil {
		cfg.Days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	if cfg.Start == 0 && cfg.End == 0 {
		cfg.Start, cfg.End = DefaultStart, DefaultEnd
	}
	if cfg.Holidays == nil {
		cfg.Holidays = DefaultHolidays()
	}
	return cfg
}

// jakarta returns Asia/Jakarta from the time zone database. Without the
// database, as in minimal container images, it falls back to a fixed WIB
// zone. That zone is exact for every date since 1964, because Jakarta has
// kept UTC+7 without daylight saving time since then.
func jakarta() *time.Location {
	location, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*60*60)
	}
	return location
}

func workingDays(days []time.Weekday) ([7]bool, error) {
	var set [7]bool
	if len(days) == 0 {
		return set, errors.New("no working days: name at least one weekday")
	}
	for _, day := range days {
		if day < time.Sunday || day > time.Saturday {
			return set, fmt.Errorf("working day %d is not a weekday: use 0 (Sunday) to 6 (Saturday)", int(day))
		}
		set[day] = true
	}
	return set, nil
}

func validateHours(start, end time.Duration) error {
	if start < 0 || end > 24*time.Hour {
		return fmt.Errorf("working hours %s-%s are outside one day: use offsets from 0 to 24h",
			formatClock(start), formatClock(end))
	}
	if start >= end {
		return fmt.Errorf("working hours %s-%s are empty: start must be before end",
			formatClock(start), formatClock(end))
	}
	return nil
}

// formatClock formats an offset from midnight as hh:mm when it is a whole
// minute within one day, and as a Go duration otherwise.
func formatClock(offset time.Duration) string {
	if offset < 0 || offset > 24*time.Hour || offset%time.Minute != 0 {
		return offset.String()
	}
	return fmt.Sprintf("%02d:%02d", int(offset/time.Hour), int(offset%time.Hour/time.Minute))
}
