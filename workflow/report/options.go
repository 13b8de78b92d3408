package report

import (
	"errors"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// Calendar measures working time. *calendar.Calendar implements it.
type Calendar interface {
	// WorkingBetween returns the working time from a up to b, or 0 when
	// b is not after a.
	WorkingBetween(a, b time.Time) time.Duration
	// DayLength returns the working time of one full working day.
	DayLength() time.Duration
}

// Labeler returns the display text of a catalog key such as "state.new"
// in a language, or the key itself when the catalog lacks it.
// *mailer.Renderer implements it.
type Labeler interface {
	Label(lang, key string) string
}

// Options configure a report or a digest.
type Options struct {
	// From and To bound the period, from From up to but not including
	// To. A report lists the tickets received in it.
	From, To time.Time
	// Language selects the wording: "en" for English, anything else for
	// Indonesian.
	Language string
	// Location is the time zone that dates are shown and weeks counted
	// in. Nil means Asia/Jakarta.
	Location *time.Location
	// Calendar measures working time. It is required.
	Calendar Calendar
	// Standards is the working time allowed per step. A clock's own
	// Standard, fixed when the clock started, takes precedence, so that
	// a changed configuration does not rewrite the past. Standards covers
	// clocks stored without one and heads the summary.
	Standards map[workflow.Step]time.Duration
	// MaskRequester hides the requester's name, address and phone number
	// with workflow.MaskParty.
	MaskRequester bool
	// DeskName is the service desk's name, shown under the title.
	DeskName string
	// Official is the title of the official who signs the printed
	// report, such as "Kepala Pusat Data dan Informasi". Empty leaves a
	// line to fill in by hand, and so do empty Place, SignerName and
	// SignerNIP.
	Official   string
	Place      string
	SignerName string
	SignerNIP  string
	// Labels provides the words for states, categories, steps, channels,
	// months and duration units. nil shows the codes.
	Labels Labeler
	// Now is the moment running clocks are measured at and the date of
	// the signature. It is required.
	Now time.Time
}

// Errors Options.check returns.
var (
	errNoCalendar = errors.New("calendar is nil")
	errNoNow      = errors.New("now is zero")
	errPeriod     = errors.New("period is empty: to is not after from")
)

// check reports the first required option that is missing.
func (o *Options) check() error {
	switch {
	case o.Calendar == nil:
		return errNoCalendar
	case o.Now.IsZero():
		return errNoNow
	case o.From.IsZero() || !o.To.After(o.From):
		return errPeriod
	}
	return nil
}

// withDefaults fills the time zone and the language.
func (o Options) withDefaults() Options {
	if o.Location == nil {
		o.Location = jakarta()
	}
	if o.Language != "en" {
		o.Language = "id"
	}
	return o
}

// standard returns the working time allowed for a step on a clock.
func (o *Options) standard(c *workflow.Clock) time.Duration {
	if c.Standard > 0 {
		return c.Standard
	}
	return o.Standards[c.Step]
}

// jakarta returns Asia/Jakarta from the system time zone database, or a
// fixed UTC+7 zone named WIB where there is none. Jakarta has kept UTC+7
// without daylight saving time since 1964.
func jakarta() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*60*60)
	}
	return loc
}
