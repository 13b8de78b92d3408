package calendar

import "time"

// Add returns the instant at which the working duration d has passed since
// start. It equals AddWorking(start, d.Working(c.DayLength())): a working
// day is DayLength of working time, so Add(start, Duration{Days: 1}) ==
// AddWorking(start, c.DayLength()) always holds.
//
// For a start inside working hours, N working days end at the same clock
// time N working days later. With the default hours, one working day from
// Friday 15:00 is Monday 15:00, because one hour falls on Friday and seven
// on Monday.
//
// For a start outside working hours, counting begins at the next opening,
// and a whole number of days ends at a closing time: one working day from
// Saturday 10:00 is Monday 16:00, not Tuesday 08:00. Both name the same
// point in working time, and the earlier one is the due time.
func (c *Calendar) Add(start time.Time, d Duration) time.Time {
	return c.AddWorking(start, d.Working(c.DayLength()))
}

// AddWorking returns the earliest instant at which d of working time has
// passed since start. Working time before start does not count, so for a
// start outside working hours counting begins at the next opening. A
// result that falls exactly on a closing time stays at that closing time
// instead of moving to the next opening. A d of zero or less returns
// start. The result is in the calendar's location.
//
// It takes time proportional to the number of calendar days covered.
func (c *Calendar) AddWorking(start time.Time, d time.Duration) time.Time {
	t := start.In(c.location)
	if d <= 0 {
		return t
	}

	for day := dateOf(t); ; day = day.next() {
		opens, closes, ok := c.hours(day)
		if !ok || !t.Before(closes) {
			continue
		}
		from := latest(t, opens)
		left := closes.Sub(from)
		if d <= left {
			return from.Add(d)
		}
		d -= left
	}
}

// WorkingBetween returns the working time from a up to b, or 0 when b is
// not after a. For every start and every d >= 0,
// WorkingBetween(start, AddWorking(start, d)) == d.
//
// It takes time proportional to the number of calendar days from a to b.
func (c *Calendar) WorkingBetween(a, b time.Time) time.Duration {
	a, b = a.In(c.location), b.In(c.location)
	if !b.After(a) {
		return 0
	}

	var total time.Duration
	last := dateOf(b)
	for day := dateOf(a); !day.after(last); day = day.next() {
		opens, closes, ok := c.hours(day)
		if !ok {
			continue
		}
		from, to := latest(a, opens), earliest(b, closes)
		if from.Before(to) {
			total += to.Sub(from)
		}
	}
	return total
}
