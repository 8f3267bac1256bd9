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
	i := 0
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	// digits without leading zeros; shift is the power of ten the digit
	// string is multiplied by, in millionths.
	var digits []byte
	var buf [32]byte
	digits = buf[:0]
	shift := 6
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if len(digits) == 0 && s[i] == '0' {
			continue
		}
		digits = append(digits, s[i])
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			shift--
			if len(digits) == 0 && s[i] == '0' {
				continue
			}
			digits = append(digits, s[i])
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if exp < 1_000_000 {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
		shift += exp
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		shift++
	}
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
