package calendar

import "time"

// civilDate is a date without a time zone.
type civilDate struct {
	year  int
	month time.Month
	day   int
}

func dateOf(t time.Time) civilDate {
	year, month, day := t.Date()
	return civilDate{year, month, day}
}

// next returns the following date. Noon UTC keeps the arithmetic clear of
// any daylight saving time shift.
func (d civilDate) next() civilDate {
	return dateOf(time.Date(d.year, d.month, d.day+1, 12, 0, 0, 0, time.UTC))
}

func (d civilDate) weekday() time.Weekday {
	return time.Date(d.year, d.month, d.day, 12, 0, 0, 0, time.UTC).Weekday()
}

func (d civilDate) after(other civilDate) bool {
	if d.year != other.year {
		return d.year > other.year
	}
	if d.month != other.month {
		return d.month > other.month
	}
	return d.day > other.day
}
