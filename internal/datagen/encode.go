package datagen

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// money is an amount in pennies; numeric(12,2) on the wire.
type money int64

// hundredths is a numeric(6,2) quantity such as hours (1.25 h = 125).
type hundredths int64

// thousandths is a numeric(10,3) quantity (2.5 litres = 2500).
type thousandths int64

// date is a calendar date (no time of day).
type date time.Time

// tsrange is a half-open tstzrange [lo, hi); a zero hi is unbounded.
type tsrange struct{ lo, hi time.Time }

// jsonText is a JSON document written verbatim.
type jsonText string

// textArray is a text[] value.
type textArray []string

// tableBuf accumulates the COPY text-format rows of one table.
type tableBuf struct {
	spec *tableSpec
	buf  bytes.Buffer
	rows int
}

// row appends one row; vals must follow spec.cols.
func (t *tableBuf) row(vals ...any) {
	if len(vals) != len(t.spec.cols) {
		panic("datagen: " + t.spec.name + ": row has " + strconv.Itoa(len(vals)) + " values, want " + strconv.Itoa(len(t.spec.cols)))
	}
	for i, v := range vals {
		if i > 0 {
			t.buf.WriteByte('\t')
		}
		writeValue(&t.buf, v)
	}
	t.buf.WriteByte('\n')
	t.rows++
}

func (t *tableBuf) reset() {
	t.buf.Reset()
	t.rows = 0
}

const tsLayout = "2006-01-02 15:04:05Z07:00"

func writeValue(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString(`\N`)
	case string:
		writeEscaped(b, x)
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case money:
		writeFixed(b, int64(x), 100, 2)
	case hundredths:
		writeFixed(b, int64(x), 100, 2)
	case thousandths:
		writeFixed(b, int64(x), 1000, 3)
	case time.Time:
		b.WriteString(x.UTC().Format(tsLayout))
	case *time.Time:
		if x == nil {
			b.WriteString(`\N`)
		} else {
			b.WriteString(x.UTC().Format(tsLayout))
		}
	case date:
		b.WriteString(time.Time(x).Format(time.DateOnly))
	case tsrange:
		writeRange(b, x)
	case jsonText:
		writeEscaped(b, string(x))
	case textArray:
		writeArray(b, x)
	default:
		panic("datagen: unsupported value type")
	}
}

func writeFixed(b *bytes.Buffer, v, scale int64, digits int) {
	if v < 0 {
		b.WriteByte('-')
		v = -v
	}
	b.WriteString(strconv.FormatInt(v/scale, 10))
	b.WriteByte('.')
	frac := strconv.FormatInt(v%scale, 10)
	b.WriteString(strings.Repeat("0", digits-len(frac)))
	b.WriteString(frac)
}

func writeRange(b *bytes.Buffer, r tsrange) {
	b.WriteString(`["`)
	b.WriteString(r.lo.UTC().Format(tsLayout))
	b.WriteString(`",`)
	if !r.hi.IsZero() {
		b.WriteByte('"')
		b.WriteString(r.hi.UTC().Format(tsLayout))
		b.WriteByte('"')
	}
	b.WriteByte(')')
}

func writeArray(b *bytes.Buffer, a []string) {
	b.WriteByte('{')
	for i, s := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		// Codes are [A-Z0-9-]: no quoting needed inside the array literal.
		writeEscaped(b, s)
	}
	b.WriteByte('}')
}

// writeEscaped writes s with COPY text-format escaping.
func writeEscaped(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
}
