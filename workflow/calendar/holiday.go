package calendar

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Holiday kinds. Every kind is a non-working day, and the kind only gives
// people the reason.
const (
	// KindNationalHoliday is a hari libur nasional.
	KindNationalHoliday = "libur"
	// KindJointLeave is a cuti bersama day.
	KindJointLeave = "cuti_bersama"
	// KindLocalHoliday is a holiday the administrator adds, such as a
	// regional holiday or an office closure.
	KindLocalHoliday = "lokal"
)

// ErrInvalidHolidays is wrapped by the errors LoadHolidays returns for a
// file that was read but is not a valid holidays list.
var ErrInvalidHolidays = errors.New("invalid holidays file")

// dateLayout is the format of Holiday.Date.
const dateLayout = "2006-01-02"

// Holiday is one non-working date.
type Holiday struct {
	// Date is the calendar date, YYYY-MM-DD, in the calendar's location.
	Date string `yaml:"date"`
	// Name is shown to people, for example "Idul Fitri 1447 Hijriah".
	Name string `yaml:"name"`
	// Kind is KindNationalHoliday, KindJointLeave or KindLocalHoliday.
	Kind string `yaml:"kind"`
}

//go:embed holidays.yaml
var defaultHolidaysFile string

// DefaultHolidays returns the holidays built into the package: the hari
// libur nasional and cuti bersama of 2026 and 2027. Each call returns a
// new slice. The 2027 dates were copied from third-party transcriptions of
// the SKB and are marked unverified in the file.
func DefaultHolidays() []Holiday {
	holidays, err := parseHolidays([]byte(defaultHolidaysFile))
	if err != nil {
		// A test parses the embedded file, so this only fires on a
		// broken build.
		panic("calendar: built-in holidays.yaml: " + err.Error())
	}
	return holidays
}

// DefaultHolidaysFile returns the YAML source of DefaultHolidays, with its
// comments, as a starting point for an administrator's own file.
func DefaultHolidaysFile() []byte {
	return []byte(defaultHolidaysFile)
}

// LoadHolidays reads a holidays file: a YAML mapping whose "holidays" key
// lists entries with date, kind and name, as in DefaultHolidaysFile. The
// file replaces the built-in list. An error about the content wraps
// ErrInvalidHolidays and names the file, the line and the entry number.
func LoadHolidays(path string) ([]Holiday, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read holidays file: %w", err)
	}

	holidays, err := parseHolidays(data)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrInvalidHolidays, path, err)
	}
	return holidays, nil
}

// holidaysFile is the document shape of a holidays file.
type holidaysFile struct {
	Holidays []entryNode `yaml:"holidays"`
}

// entryNode keeps an entry's syntax node, so that its line is known when
// the entry turns out to be invalid.
type entryNode struct {
	node ast.Node
}

func (e *entryNode) UnmarshalYAML(node ast.Node) error {
	e.node = node
	return nil
}

func parseHolidays(data []byte) ([]Holiday, error) {
	var file holidaysFile
	if err := yaml.UnmarshalWithOptions(data, &file, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("line %d: %s", yamlLine(err, 0), yamlMessage(err))
	}
	if file.Holidays == nil {
		return nil, errors.New(`no "holidays" list: the file must contain "holidays:" followed by entries`)
	}

	holidays := make([]Holiday, len(file.Holidays))
	lines := make([]int, len(file.Holidays))
	for i, entry := range file.Holidays {
		lines[i] = entry.node.GetToken().Position.Line
		holiday, err := decodeEntry(entry.node)
		if err != nil {
			return nil, fmt.Errorf("line %d: entry %d: %s", yamlLine(err, lines[i]), i+1, yamlMessage(err))
		}
		holidays[i] = holiday
	}

	if err := checkDuplicates(holidays, lines); err != nil {
		return nil, err
	}
	return holidays, nil
}

func decodeEntry(node ast.Node) (Holiday, error) {
	var holiday Holiday
	if err := yaml.NodeToValue(node, &holiday, yaml.DisallowUnknownField()); err != nil {
		return Holiday{}, err
	}
	if err := validateHoliday(holiday); err != nil {
		return Holiday{}, err
	}
	return holiday, nil
}

// yamlLine returns the line a go-yaml error points at, or fallback for any
// other error.
func yamlLine(err error, fallback int) int {
	var yamlErr yaml.Error
	if errors.As(err, &yamlErr) && yamlErr.GetToken() != nil {
		return yamlErr.GetToken().Position.Line
	}
	return fallback
}

// yamlMessage returns the message of a go-yaml error without the source
// excerpt that its Error text spreads over several lines.
func yamlMessage(err error) string {
	var yamlErr yaml.Error
	if errors.As(err, &yamlErr) {
		return yamlErr.GetMessage()
	}
	return err.Error()
}

func validateHoliday(h Holiday) error {
	date, err := time.Parse(dateLayout, h.Date)
	if err != nil || date.Format(dateLayout) != h.Date {
		return fmt.Errorf("date %q is not a valid YYYY-MM-DD date", h.Date)
	}
	if strings.TrimSpace(h.Name) == "" {
		return fmt.Errorf("holiday on %s has no name", h.Date)
	}
	switch h.Kind {
	case KindNationalHoliday, KindJointLeave, KindLocalHoliday:
		return nil
	}
	return fmt.Errorf("holiday on %s has kind %q: use %q, %q or %q",
		h.Date, h.Kind, KindNationalHoliday, KindJointLeave, KindLocalHoliday)
}

// checkDuplicates rejects an entry repeated with the same date and name,
// which is always an editing mistake. Two different holidays on one date
// are allowed.
func checkDuplicates(holidays []Holiday, lines []int) error {
	seen := make(map[[2]string]int, len(holidays))
	for i, h := range holidays {
		key := [2]string{h.Date, h.Name}
		if first, ok := seen[key]; ok {
			return fmt.Errorf("line %d: entry %d repeats entry %d (line %d): %s %q",
				lines[i], i+1, first+1, lines[first], h.Date, h.Name)
		}
		seen[key] = i
	}
	return nil
}

// indexHolidays validates holidays and groups them by date, dropping an
// entry identical to an earlier one, as when a local list repeats a
// national holiday. The error names the entry by its position in the
// list, counting from 1.
func indexHolidays(holidays []Holiday) (map[civilDate][]Holiday, error) {
	index := make(map[civilDate][]Holiday, len(holidays))
	for i, h := range holidays {
		if err := validateHoliday(h); err != nil {
			return nil, fmt.Errorf("holiday entry %d: %w", i+1, err)
		}
		date, _ := time.Parse(dateLayout, h.Date) // validated above
		key := dateOf(date)
		if !slices.Contains(index[key], h) {
			index[key] = append(index[key], h)
		}
	}
	return index, nil
}
