package cdc

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseInterval parses an interval in IntervalStyle 'postgres' output, e.g.
// "1 year 2 mons -3 days +04:05:06.789".
func ParseInterval(s string) (Interval, error) {
	var iv Interval
	f := strings.Fields(s)
	for i := 0; i < len(f); i++ {
		if strings.Contains(f[i], ":") {
			us, err := parseClock(f[i])
			if err != nil {
				return iv, fmt.Errorf("interval %q: %w", s, err)
			}
			iv.Microseconds += us
			continue
		}
		if i+1 >= len(f) {
			return iv, fmt.Errorf("interval %q: dangling number", s)
		}
		n, err := strconv.ParseInt(f[i], 10, 32)
		if err != nil {
			return iv, fmt.Errorf("interval %q: %w", s, err)
		}
		switch strings.TrimSuffix(f[i+1], "s") {
		case "year":
			iv.Months += int32(n) * 12
		case "mon":
			iv.Months += int32(n)
		case "day":
			iv.Days += int32(n)
		default:
			return iv, fmt.Errorf("interval %q: unit %q", s, f[i+1])
		}
		i++
	}
	return iv, nil
}

// parseClock parses [+-]HH:MM:SS[.ffffff] into microseconds.
func parseClock(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("clock %q", s)
	}
	h, err1 := strconv.ParseInt(parts[0], 10, 64)
	m, err2 := strconv.ParseInt(parts[1], 10, 64)
	sec, frac, _ := strings.Cut(parts[2], ".")
	sc, err3 := strconv.ParseInt(sec, 10, 64)
	var us int64
	var err4 error
	if frac != "" {
		if len(frac) > 6 {
			return 0, fmt.Errorf("clock %q: too many digits", s)
		}
		us, err4 = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	}
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			return 0, fmt.Errorf("clock %q: %w", s, err)
		}
	}
	if h < 0 || m < 0 || sc < 0 || us < 0 {
		return 0, fmt.Errorf("clock %q: negative field", s)
	}
	total := ((h*60+m)*60+sc)*1_000_000 + us
	if neg {
		total = -total
	}
	return total, nil
}
