package cdc

import (
	"bytes"
	"fmt"
)

// ParseCopyText splits one line of COPY ... TO STDOUT text format (without
// its trailing newline) into fields, undoing backslash escapes. A nil field
// is NULL (\N). Pure.
func ParseCopyText(line []byte) ([][]byte, error) {
	var fields [][]byte
	for {
		raw, rest, more := bytes.Cut(line, []byte{'\t'})
		f, err := unescapeCopy(raw)
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
		if !more {
			return fields, nil
		}
		line = rest
	}
}

func unescapeCopy(raw []byte) ([]byte, error) {
	if len(raw) == 2 && raw[0] == '\\' && raw[1] == 'N' {
		return nil, nil
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return append([]byte{}, raw...), nil
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(raw) {
			return nil, fmt.Errorf("copy field ends in a backslash")
		}
		switch e := raw[i]; e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case 'x':
			v, n := digits(raw[i+1:], 16, 2)
			out, i = append(out, byte(v)), i+n
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, n := digits(raw[i:], 8, 3)
			out, i = append(out, byte(v)), i+n-1
		default:
			out = append(out, e)
		}
	}
	return out, nil
}

// digits reads up to max digits of base from b.
func digits(b []byte, base, max int) (v, n int) {
	for n < max && n < len(b) {
		d := -1
		switch c := b[n]; {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'f':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = int(c-'A') + 10
		}
		if d < 0 || d >= base {
			break
		}
		v, n = v*base+d, n+1
	}
	return v, n
}
