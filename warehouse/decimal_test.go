package warehouse

import "testing"

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in   string
		p, s int32
		want string // "" = NULL
	}{
		{"12.50", 12, 2, "12.50"},
		{"-0.001", 12, 3, "-0.001"},
		{"7", 5, 2, "7.00"},
		{"0.005", 5, 2, "0.01"},
		{"-0.005", 5, 2, "-0.01"},
		{"0.0049", 5, 2, "0.00"},
		{"99.995", 4, 2, ""},
		{"1234567890123456789012345678.0123456789", 38, 10, "1234567890123456789012345678.0123456789"},
		{"-99999999999999999999999999999999999999", 38, 0, "-99999999999999999999999999999999999999"},
		{"100000000000000000000000000000000000000", 38, 0, ""},
		{"000123.4", 4, 1, "123.4"},
		{"NaN", 10, 2, ""},
		{"Infinity", 10, 2, ""},
		{"-", 10, 2, ""},
		{".", 10, 2, ""},
		{"1.2.3", 10, 2, ""},
	}
	for _, c := range cases {
		n, ok := parseDecimal(c.in, c.p, c.s)
		got := ""
		if ok {
			got = n.ToString(c.s)
		}
		if got != c.want {
			t.Errorf("parseDecimal(%q, %d, %d) = %q, want %q", c.in, c.p, c.s, got, c.want)
		}
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"12.50", "-0.005", "NaN", "99999999999999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := parseDecimal(s, 38, 4); ok && !n.FitsInPrecision(38) {
			t.Errorf("%q: %v does not fit", s, n)
		}
	})
}
