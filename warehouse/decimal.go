package warehouse

import "github.com/apache/arrow-go/v18/arrow/decimal128"

var ten = decimal128.FromU64(10)

// parseDecimal converts a numeric in PostgreSQL text form to a decimal128
// of precision p and scale s, rounding surplus fraction digits half away
// from zero as PostgreSQL does. ok is false for NaN, ±Infinity, malformed
// text and values with more than p digits: the mirror stores NULL, as
// DuckDB's TRY_CAST would. Pure.
func parseDecimal(text string, p, s int32) (n decimal128.Num, ok bool) {
	neg := len(text) > 0 && text[0] == '-'
	if neg {
		text = text[1:]
	}
	var acc uint64 // value while below 10^18; then n carries on (big)
	var digits, frac, surplus int32
	big, dot, roundUp, seen := false, false, false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '.' && !dot {
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			return n, false
		}
		seen = true
		switch {
		case dot && frac == s:
			if surplus == 0 {
				roundUp = c >= '5'
			}
			surplus++
			continue
		case dot:
			frac++
		case digits == 0 && c == '0':
			continue // leading zero
		}
		if digits++; digits > p {
			return n, false
		}
		acc, n, big = push(acc, n, big, uint64(c-'0'))
	}
	if !seen {
		return n, false
	}
	for ; frac < s; frac++ {
		if digits++; digits > p {
			return n, false
		}
		acc, n, big = push(acc, n, big, 0)
	}
	if !big {
		n = decimal128.FromU64(acc)
	}
	if roundUp {
		n = n.Add(decimal128.FromU64(1))
	}
	if !n.FitsInPrecision(p) {
		return n, false
	}
	if neg {
		n = n.Negate()
	}
	return n, true
}

func push(acc uint64, n decimal128.Num, big bool, d uint64) (uint64, decimal128.Num, bool) {
	if !big && acc < 1e17 {
		return acc*10 + d, n, false
	}
	if !big {
		n = decimal128.FromU64(acc)
	}
	return 0, n.Mul(ten).Add(decimal128.FromU64(d)), true
}
