package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// formatAge prints an age like 3d4h, 5m10s, 800ms.
func formatAge(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d >= 24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d" + strconv.Itoa(int(d%(24*time.Hour)/time.Hour)) + "h"
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// formatRate prints events a second with sensible precision.
func formatRate(r float64) string {
	switch {
	case r == 0:
		return "0/s"
	case r < 10:
		return fmt.Sprintf("%.2f/s", r)
	}
	return fmt.Sprintf("%.0f/s", r)
}

// pretty indents a JSON text; anything else comes back as it is.
func pretty(s string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(s), "", "  ") != nil {
		return s
	}
	return b.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// jsonInto decodes b into v, reporting whether it could.
func jsonInto(b []byte, v any) bool { return json.Unmarshal(b, v) == nil }
