package calendar

import (
	"strings"
	"time"
)

// Location returns the time zone of the working hours and holiday dates.
func (c *Calendar) Location() *time.Location {
	return c.location
}

// DayLength returns the working time of one full working day, End - Start.
//
// NOTE: in a location with daylight saving time, a day whose clock change
// falls inside the working hours has an hour more or less of working time
// than DayLength. Asia/Jakarta has no such days.
func (c *Calendar) DayLength() time.Duration {
	return c.end - c.start
}

// IsWorkingDay reports whether the date of t in the calendar's location is
// a working weekday that is not a holiday.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	return c.isWorkingDate(dateOf(t.In(c.location)))
}

// IsWorkingTime reports whether t lies inside the working hours of a
// working day. The opening instant is working time, but the closing
// instant is not.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	t = t.In(c.location)
	opens, closes, ok := c.hours(dateOf(t))
	return ok && !t.Before(opens) && t.Before(closes)
}

// NextOpen returns t when t is working time, and otherwise the next
// opening instant after t. The result is in the calendar's location.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	t = t.In(c.location)
	for day := dateOf(t); ; day = day.next() {
		opens, closes, ok := c.hours(day)
		if ok && t.Before(closes) {
			return latest(t, opens)
		}
	}
}

// FirstWorkingDay returns the opening instant of the first working day of
// the month, in the calendar's location. When the holidays leave no
// working day in the month, it returns the first opening after the month.
func (c *Calendar) FirstWorkingDay(year int, month time.Month) time.Time {
	return c.NextOpen(time.Date(year, month, 1, 0, 0, 0, 0, c.location))
}

// HolidayName returns the name of the holiday on the date of t in the
// calendar's location, and false when that date is not in the holidays
// list. Names of several holidays on one date are joined with " / ".
// Weekends are not holidays.
func (c *Calendar) HolidayName(t time.Time) (string, bool) {
	holidays := c.HolidaysOn(t)
	if len(holidays) == 0 {
		return "", false
	}
	names := make([]string, len(holidays))
	for i, h := range holidays {
		names[i] = h.Name
	}
	return strings.Join(names, " / "), true
}

// HolidaysOn returns the holidays on the date of t in the calendar's
// location, in list order, or nil when there are none.
func (c *Calendar) HolidaysOn(t time.Time) []Holiday {
	holidays := c.holidays[dateOf(t.In(c.location))]
	if len(holidays) == 0 {
		return nil
	}
	return append([]Holiday(nil), holidays...)
}

func (c *Calendar) isWorkingDate(day civilDate) bool {
	if !c.days[day.weekday()] {
		return false
	}
	_, holiday := c.holidays[day]
	return !holiday
}

// hours returns the opening and closing instants of day, and false when
// day is not a working day.
func (c *Calendar) hours(day civilDate) (opens, closes time.Time, ok bool) {
	if !c.isWorkingDate(day) {
		return time.Time{}, time.Time{}, false
	}
	return c.wallClock(day, c.start), c.wallClock(day, c.end), true
}

// wallClock returns the instant on day whose wall clock shows the offset
// from midnight. An offset of 24h is midnight at the end of day.
func (c *Calendar) wallClock(day civilDate, offset time.Duration) time.Time {
	hour := int(offset / time.Hour)
	minute := int(offset % time.Hour / time.Minute)
	second := int(offset % time.Minute / time.Second)
	nanosecond := int(offset % time.Second)
	return time.Date(day.year, day.month, day.day, hour, minute, second, nanosecond, c.location)
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
