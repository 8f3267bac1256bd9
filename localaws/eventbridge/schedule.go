package eventbridge

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// schedule is a parsed ScheduleExpression: rate(...) or AWS's six-field
// cron(...), in UTC.
type schedule interface {
	// next returns the first tick strictly after after, or false when
	// there is none (a cron whose years are over).
	next(after time.Time) (time.Time, bool)
}

// parseSchedule parses "rate(VALUE UNIT)" or "cron(M H DOM MON DOW Y)".
// anchor is when the rule was created: rate ticks fall at anchor plus
// whole periods.
func parseSchedule(expr string, anchor time.Time) (schedule, error) {
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		return parseRate(expr[len("rate("):len(expr)-1], anchor)
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		return parseCron(expr[len("cron(") : len(expr)-1])
	}
	return nil, fmt.Errorf("%q is neither rate(...) nor cron(...)", expr)
}

type rate struct {
	anchor time.Time
	period time.Duration
}

func parseRate(s string, anchor time.Time) (schedule, error) {
	value, unit, ok := strings.Cut(strings.TrimSpace(s), " ")
	n, err := strconv.Atoi(value)
	if !ok || err != nil || n < 1 || value[0] == '0' {
		return nil, fmt.Errorf("rate(%s): the value must be a positive whole number", s)
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	singular := strings.TrimSuffix(unit, "s")
	d, known := units[singular]
	if !known {
		return nil, fmt.Errorf("rate(%s): the unit must be minute(s), hour(s) or day(s)", s)
	}
	if (n == 1) != (unit == singular) {
		return nil, fmt.Errorf("rate(%s): the unit is singular for 1 and plural otherwise", s)
	}
	return rate{anchor: anchor.UTC().Truncate(time.Minute), period: time.Duration(n) * d}, nil
}

func (r rate) next(after time.Time) (time.Time, bool) {
	if after.Before(r.anchor) {
		return r.anchor.Add(r.period), true
	}
	k := after.Sub(r.anchor)/r.period + 1
	return r.anchor.Add(k * r.period), true
}

// cron is AWS's cron: minutes, hours, day of month, month, day of week
// (1 is Sunday), year; exactly one of the two day fields is "?".
type cron struct {
	minutes, hours, months uint64 // bit i set: value i matches
	years                  [4]uint64
	dom                    *domField // nil when "?"
	dow                    *dowField
}

type domField struct {
	days        uint64 // bit d: day d
	last        bool   // L: the last day of the month
	lastWeekday bool   // LW: the last weekday of the month
	nearest     uint64 // bit d: dW, the weekday nearest day d
}

type dowField struct {
	days uint64    // bit d (1-7): that day of every week
	last uint64    // bit d: dL, the last such day of the month
	nth  [8]uint64 // nth[d] bit k: d#k, the k-th such day of the month
}

const (
	minYear = 1970
	maxYear = 2199
)

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

func parseCron(s string) (schedule, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron(%s): want 6 fields (minutes hours day-of-month month day-of-week year), got %d", s, len(f))
	}
	c := &cron{}
	var err error
	if c.minutes, err = parseField(f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("cron minutes: %w", err)
	}
	if c.hours, err = parseField(f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("cron hours: %w", err)
	}
	if c.months, err = parseField(f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("cron month: %w", err)
	}
	if err := c.parseYears(f[5]); err != nil {
		return nil, fmt.Errorf("cron year: %w", err)
	}
	switch {
	case f[2] == "?" && f[4] == "?":
		return nil, fmt.Errorf("cron(%s): only one of day-of-month and day-of-week may be ?", s)
	case f[2] != "?" && f[4] != "?":
		return nil, fmt.Errorf("cron(%s): one of day-of-month and day-of-week must be ?", s)
	case f[2] != "?":
		c.dom, err = parseDOM(f[2])
	default:
		c.dow, err = parseDOW(f[4])
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// parseField parses a list of *, values, ranges and steps (a/n, a-b/n,
// */n) between lo and hi into a bit set; names, when given, stand for
// lo, lo+1, ...
func parseField(s string, lo, hi int, names []string) (uint64, error) {
	var set uint64
	for _, part := range strings.Split(s, ",") {
		from, to, step, err := parseRange(part, lo, hi, names)
		if err != nil {
			return 0, err
		}
		for v := from; v <= to; v += step {
			set |= 1 << v
		}
	}
	return set, nil
}

func parseRange(part string, lo, hi int, names []string) (from, to, step int, err error) {
	rng, stepText, hasStep := strings.Cut(part, "/")
	step = 1
	if hasStep {
		if step, err = strconv.Atoi(stepText); err != nil || step < 1 || step > hi {
			return 0, 0, 0, fmt.Errorf("%q: bad step", part)
		}
	}
	switch a, b, isRange := strings.Cut(rng, "-"); {
	case rng == "*":
		from, to = lo, hi
	case isRange:
		if from, err = value(a, lo, hi, names); err == nil {
			to, err = value(b, lo, hi, names)
		}
		if err == nil && to < from {
			err = fmt.Errorf("%q: the range ends before it starts", part)
		}
	default:
		from, err = value(rng, lo, hi, names)
		to = from
		if hasStep {
			to = hi
		}
	}
	return from, to, step, err
}

func value(s string, lo, hi int, names []string) (int, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return lo + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, lo, hi)
	}
	return v, nil
}

func (c *cron) parseYears(s string) error {
	for _, part := range strings.Split(s, ",") {
		from, to, step, err := parseRange(part, minYear, maxYear, nil)
		if err != nil {
			return err
		}
		for y := from; y <= to; y += step {
			i := y - minYear
			c.years[i/64] |= 1 << (i % 64)
		}
	}
	return nil
}

func parseDOM(s string) (*domField, error) {
	d := &domField{}
	for _, part := range strings.Split(s, ",") {
		switch {
		case part == "L":
			d.last = true
		case part == "LW":
			d.lastWeekday = true
		case strings.HasSuffix(part, "W"):
			v, err := value(strings.TrimSuffix(part, "W"), 1, 31, nil)
			if err != nil {
				return nil, fmt.Errorf("cron day-of-month: %w", err)
			}
			d.nearest |= 1 << v
		default:
			set, err := parseField(part, 1, 31, nil)
			if err != nil {
				return nil, fmt.Errorf("cron day-of-month: %w", err)
			}
			d.days |= set
		}
	}
	return d, nil
}

func parseDOW(s string) (*dowField, error) {
	d := &dowField{}
	for _, part := range strings.Split(s, ",") {
		day, nth, hasNth := strings.Cut(part, "#")
		switch {
		case part == "L":
			d.days |= 1 << 7 // the last day of the week: Saturday
		case hasNth:
			v, err := value(day, 1, 7, dayNames)
			k, kerr := strconv.Atoi(nth)
			if err != nil || kerr != nil || k < 1 || k > 5 {
				return nil, fmt.Errorf("cron day-of-week: %q: want DAY#1 to DAY#5", part)
			}
			d.nth[v] |= 1 << k
		case len(part) > 1 && strings.HasSuffix(part, "L"):
			v, err := value(strings.TrimSuffix(part, "L"), 1, 7, dayNames)
			if err != nil {
				return nil, fmt.Errorf("cron day-of-week: %w", err)
			}
			d.last |= 1 << v
		default:
			set, err := parseField(part, 1, 7, dayNames)
			if err != nil {
				return nil, fmt.Errorf("cron day-of-week: %w", err)
			}
			d.days |= set
		}
	}
	return d, nil
}

func (c *cron) next(after time.Time) (time.Time, bool) {
	t := after.UTC().Truncate(time.Minute).Add(time.Minute)
	for t.Year() <= maxYear {
		y := t.Year() - minYear
		switch {
		case y < 0 || c.years[y/64]&(1<<(y%64)) == 0:
			t = time.Date(t.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
		case c.months&(1<<int(t.Month())) == 0:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !c.day(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case c.hours&(1<<t.Hour()) == 0:
			t = t.Truncate(time.Hour).Add(time.Hour)
		case c.minutes&(1<<t.Minute()) == 0:
			t = t.Add(time.Minute)
		default:
			return t, true
		}
	}
	return time.Time{}, false
}

// day reports whether t's day matches the day fields.
func (c *cron) day(t time.Time) bool {
	last := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if c.dom != nil {
		d := c.dom
		return d.days&(1<<t.Day()) != 0 || (d.last && t.Day() == last) ||
			(d.lastWeekday && t.Day() == nearestWeekday(t, last, last)) ||
			(d.nearest != 0 && matchesNearest(t, d.nearest, last))
	}
	d := c.dow
	wd := int(t.Weekday()) + 1
	return d.days&(1<<wd) != 0 || (d.last&(1<<wd) != 0 && t.Day()+7 > last) ||
		d.nth[wd]&(1<<((t.Day()-1)/7+1)) != 0
}

func matchesNearest(t time.Time, days uint64, last int) bool {
	for set := days; set != 0; set &= set - 1 {
		if d := bits.TrailingZeros64(set); d <= last && nearestWeekday(t, d, last) == t.Day() {
			return true
		}
	}
	return false
}

// nearestWeekday is the weekday of t's month nearest day d, never in
// another month.
func nearestWeekday(t time.Time, d, last int) int {
	switch time.Date(t.Year(), t.Month(), d, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if d == 1 {
			return 3 // Monday the 3rd
		}
		return d - 1
	case time.Sunday:
		if d == last {
			return d - 2 // Friday
		}
		return d + 1
	}
	return d
}
