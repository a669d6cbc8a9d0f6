package datagen

import (
	"testing"
	"time"
)

func TestBankHolidays(t *testing.T) {
	for _, tc := range []struct {
		date string
		want bool
	}{
		{"2026-01-01", true}, {"2026-04-03", true}, {"2026-04-06", true}, {"2026-05-04", true},
		{"2026-05-25", true}, {"2026-08-31", true}, {"2026-12-25", true}, {"2026-12-28", true},
		{"2027-03-26", true}, {"2027-03-29", true}, {"2027-12-27", true}, {"2027-12-28", true},
		{"2025-04-18", true}, {"2025-04-21", true}, {"2026-12-26", false}, {"2026-12-24", false},
		{"2026-06-01", false},
	} {
		t.Run(tc.date, func(t *testing.T) {
			d, err := time.Parse(time.DateOnly, tc.date)
			if err != nil {
				t.Fatal(err)
			}
			if got := bankHoliday(d); got != tc.want {
				t.Errorf("bankHoliday(%s) = %v, want %v", tc.date, got, tc.want)
			}
		})
	}
}
