package pattern

// Numbers are compared the way event-ruler compares them: as decimals with
// six digits after the point, limited to ±5.0e9. A decimal holds such a
// number exactly as an integer count of millionths; a value with more than
// six decimals keeps its floor and a flag, which still compares exactly
// against any bound a pattern can hold.

const (
	maxMicros   = 5_000_000_000 * 1_000_000 // 5.0e9 in millionths
	maxIntDigit = 16                        // digits of maxMicros
)

// decimal is a JSON number in millionths. When frac is set the true value
// lies strictly between micros and micros+1. ok is false for a number
// outside ±5.0e9, which takes part in no numeric comparison.
type decimal struct {
	micros int64
	frac   bool
	ok     bool
}

// parseDecimal reads a JSON number (already validated) into a decimal.
func parseDecimal(s string) decimal {
	var buf [32]byte
	neg, digits, shift := scanNumber(s, buf[:0])
	return scaled(neg, digits, shift)
}

// scanNumber splits a JSON number into its sign, its significant digits
// (appended to digits, without leading or trailing zeros) and the power of
// ten, in millionths, the digit string is multiplied by.
func scanNumber(s string, digits []byte) (neg bool, _ []byte, shift int) {
	i := 0
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	shift = 6
	for ; i < len(s) && isDigit(s[i]); i++ {
		if len(digits) == 0 && s[i] == '0' {
			continue
		}
		digits = append(digits, s[i])
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && isDigit(s[i]); i++ {
			shift--
			if len(digits) == 0 && s[i] == '0' {
				continue
			}
			digits = append(digits, s[i])
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		shift += exponent(s[i+1:])
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		shift++
	}
	return neg, digits, shift
}

// exponent reads the exponent of a JSON number (after the e), clamped far
// beyond any number a decimal holds.
func exponent(s string) int {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	exp := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		if exp < 1_000_000 {
			exp = exp*10 + int(s[i]-'0')
		}
	}
	if neg {
		return -exp
	}
	return exp
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scaled is the decimal of the digit string times 10^shift millionths,
// negated when neg.
func scaled(neg bool, digits []byte, shift int) decimal {
	if len(digits) == 0 {
		return decimal{ok: true}
	}
	var whole []byte
	frac := false
	if shift >= 0 {
		if len(digits)+shift > maxIntDigit {
			return decimal{}
		}
		whole = digits
	} else {
		frac = true
		k := len(digits) + shift
		if k > maxIntDigit {
			return decimal{}
		}
		if k > 0 {
			whole = digits[:k]
		}
	}
	var n int64
	for _, c := range whole {
		n = n*10 + int64(c-'0')
	}
	for ; shift > 0; shift-- {
		n *= 10
	}
	if n > maxMicros || (n == maxMicros && frac) {
		return decimal{}
	}
	if neg {
		n = -n
		if frac {
			n--
		}
	}
	return decimal{micros: n, frac: frac, ok: true}
}

// numRange is a numeric interval; a missing side is unbounded.
type numRange struct {
	lo, hi         int64
	hasLo, hasHi   bool
	loOpen, hiOpen bool
}

// contains reports whether d lies in r. d must be ok.
func (r *numRange) contains(d decimal) bool {
	if r.hasLo {
		if r.loOpen {
			// d > lo
			if d.micros < r.lo || (d.micros == r.lo && !d.frac) {
				return false
			}
		} else if d.micros < r.lo { // d >= lo
			return false
		}
	}
	if r.hasHi {
		if r.hiOpen || d.frac {
			// d < hi; and a fractional d is <= hi only when below it.
			if d.micros >= r.hi {
				return false
			}
		} else if d.micros > r.hi { // d <= hi
			return false
		}
	}
	return true
}
