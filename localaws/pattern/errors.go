package pattern

import (
	"fmt"
)

// SyntaxError reports why an event pattern was rejected. Reason is worded
// like the reason in AWS's InvalidEventPatternException ("Empty arrays are
// not allowed"); Line and Column locate the offending token (1-based).
type SyntaxError struct {
	Reason string
	Line   int
	Column int
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at [line: %d, column: %d]", e.Reason, e.Line, e.Column)
}

// position turns a byte offset into a 1-based line and column.
func position(src []byte, off int64) (line, col int) {
	if off > int64(len(src)) {
		off = int64(len(src))
	}
	line, col = 1, 1
	for _, c := range src[:off] {
		if c == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}
