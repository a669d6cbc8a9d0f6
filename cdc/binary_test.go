package cdc_test

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/carcarehub/cch/cdc"
)

// numericBin builds numeric_send output.
func numericBin(weight int16, sign, dscale uint16, digits ...uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(digits)))
	b = binary.BigEndian.AppendUint16(b, uint16(weight))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, dscale)
	for _, d := range digits {
		b = binary.BigEndian.AppendUint16(b, d)
	}
	return b
}

func be(n int, v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b[8-n:]
}

var binaryCases = []struct {
	name string
	oid  uint32
	in   []byte
	want any
}{
	{"bool", cdc.OIDBool, []byte{1}, true},
	{"int2", cdc.OIDInt2, be(2, uint64(0x8000)), int16(-32768)},
	{"int4", cdc.OIDInt4, be(4, 42), int32(42)},
	{"int8", cdc.OIDInt8, be(8, math.MaxUint64), int64(-1)},
	{"float4", cdc.OIDFloat4, be(4, uint64(math.Float32bits(1.5))), float32(1.5)},
	{"float8", cdc.OIDFloat8, be(8, math.Float64bits(0.1)), 0.1},
	{"numeric 12.50", cdc.OIDNumeric, numericBin(0, 0, 2, 12, 5000), cdc.Numeric("12.50")},
	{"numeric -0.001", cdc.OIDNumeric, numericBin(-1, 0x4000, 3, 10), cdc.Numeric("-0.001")},
	{"numeric 123456789.5", cdc.OIDNumeric, numericBin(2, 0, 1, 1, 2345, 6789, 5000), cdc.Numeric("123456789.5")},
	{"numeric 0.00", cdc.OIDNumeric, numericBin(0, 0, 2), cdc.Numeric("0.00")},
	{"numeric 10000", cdc.OIDNumeric, numericBin(1, 0, 0, 1), cdc.Numeric("10000")},
	{"numeric 0.000012", cdc.OIDNumeric, numericBin(-2, 0, 6, 1200), cdc.Numeric("0.000012")},
	{"numeric NaN", cdc.OIDNumeric, numericBin(0, 0xC000, 0), cdc.Numeric("NaN")},
	{"numeric -Infinity", cdc.OIDNumeric, numericBin(0, 0xF000, 0), cdc.Numeric("-Infinity")},
	{"text", cdc.OIDText, []byte("hé\t"), "hé\t"},
	{"bpchar", cdc.OIDBPChar, []byte("ab  "), "ab  "},
	{"jsonb", cdc.OIDJSONB, []byte("\x01{\"a\": 1}"), cdc.JSON(`{"a": 1}`)},
	{"json", cdc.OIDJSON, []byte(`{"a":1}`), cdc.JSON(`{"a":1}`)},
	{"date", cdc.OIDDate, be(4, 8825), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
	{"date BC", cdc.OIDDate, be(4, uint64(uint32(int32((time.Date(-43, 3, 15, 0, 0, 0, 0, time.UTC).Unix()-946684800)/86400)))), time.Date(-43, 3, 15, 0, 0, 0, 0, time.UTC)},
	{"date infinity", cdc.OIDDate, be(4, math.MaxInt32), cdc.Infinity(1)},
	{"timestamp", cdc.OIDTimestamp, be(8, 762480000123456), time.Date(2024, 2, 29, 0, 0, 0, 123456000, time.UTC)},
	{"timestamptz pre-2000", cdc.OIDTimestamptz, be(8, uint64(0xFFFFFFFFFFFFFFFF)), time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC)},
	{"timestamptz -infinity", cdc.OIDTimestamptz, be(8, 1<<63), cdc.Infinity(-1)},
	{"interval", cdc.OIDInterval, append(append(be(8, 5_000_000), be(4, uint64(uint32(0xFFFFFFFD)))...), be(4, 14)...),
		cdc.Interval{Months: 14, Days: -3, Microseconds: 5_000_000}},
}

func TestDecodeBinary(t *testing.T) {
	for _, c := range binaryCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cdc.DecodeBinary(c.oid, c.in)
			if tm, ok := c.want.(time.Time); ok {
				if g, ok := got.(time.Time); !ok || !g.Equal(tm) {
					t.Errorf("got %v, %v; want %v", got, err, tm)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("got %#v, %v; want %#v", got, err, c.want)
			}
		})
	}
	u, err := cdc.DecodeBinary(cdc.OIDUUID, []byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11})
	if err != nil || u.(cdc.UUID).String() != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" {
		t.Errorf("uuid = %v, %v", u, err)
	}
	for _, bad := range []struct {
		oid uint32
		in  []byte
	}{{cdc.OIDInt4, []byte{1}}, {cdc.OIDNumeric, numericBin(0, 0x1234, 0)}, {cdc.OIDNumeric, numericBin(0, 0, 0, 10000)},
		{cdc.OIDNumeric, []byte{0, 2, 0, 0, 0, 0, 0, 0, 0, 1}}, {cdc.OIDJSONB, []byte("{}")}, {cdc.OIDUUID, []byte{1}}, {3910, nil}} {
		if _, err := cdc.DecodeBinary(bad.oid, bad.in); err == nil {
			t.Errorf("DecodeBinary(%d, %x): no error", bad.oid, bad.in)
		}
	}
}

// binaryOIDs are the types FuzzDecodeBinary picks from.
var binaryOIDs = []uint32{cdc.OIDBool, cdc.OIDInt2, cdc.OIDInt4, cdc.OIDInt8, cdc.OIDFloat4, cdc.OIDFloat8,
	cdc.OIDNumeric, cdc.OIDText, cdc.OIDJSONB, cdc.OIDJSON, cdc.OIDBytea, cdc.OIDUUID, cdc.OIDDate,
	cdc.OIDTimestamp, cdc.OIDTimestamptz, cdc.OIDInterval}

// FuzzDecodeBinary: arbitrary bytes never panic, and a decoded numeric's
// text is valid numeric text (what DecodeText accepts). Seeds:
// testdata/fuzz/FuzzDecodeBinary plus binaryCases.
func FuzzDecodeBinary(f *testing.F) {
	for _, c := range binaryCases {
		for i, o := range binaryOIDs {
			if o == c.oid {
				f.Add(uint8(i), c.in)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		oid := binaryOIDs[int(which)%len(binaryOIDs)]
		v, err := cdc.DecodeBinary(oid, data)
		if err != nil {
			return
		}
		if n, ok := v.(cdc.Numeric); ok {
			if _, err := cdc.DecodeText(cdc.OIDNumeric, []byte(n)); err != nil {
				t.Errorf("numeric %x decoded to invalid text %q", data, n)
			}
		}
	})
}
