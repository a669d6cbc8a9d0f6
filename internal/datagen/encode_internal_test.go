package datagen

import (
	"bytes"
	"testing"
	"time"
)

func TestWriteValue(t *testing.T) {
	ts := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"null", nil, `\N`},
		{"escaped text", "a\tb\\c\nd", `a\tb\\c\nd`},
		{"money", money(12345), "123.45"},
		{"small money", money(5), "0.05"},
		{"negative money", money(-1250), "-12.50"},
		{"hours", hundredths(75), "0.75"},
		{"quantity", thousandths(4500), "4.500"},
		{"timestamp", ts, "2026-03-29 01:30:00Z"},
		{"date", date(ts), "2026-03-29"},
		{"bounded range", tsrange{ts, ts.Add(time.Hour)}, `["2026-03-29 01:30:00Z","2026-03-29 02:30:00Z")`},
		{"open range", tsrange{lo: ts}, `["2026-03-29 01:30:00Z",)`},
		{"text array", textArray{"MOT-TEST", "SRV-OIL"}, "{MOT-TEST,SRV-OIL}"},
		{"bool", true, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			writeValue(&b, tt.in)
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestRoundDivMatchesNumericRound(t *testing.T) {
	tests := []struct {
		n, d int64
		want money
	}{
		{125, 10, 13}, {124, 10, 12}, {-125, 10, -13}, {75 * 3000, 100, 2250}, {4500 * 1150, 1000, 5175},
	}
	for _, tt := range tests {
		if got := roundDiv(tt.n, tt.d); got != tt.want {
			t.Errorf("roundDiv(%d, %d) = %d, want %d", tt.n, tt.d, got, tt.want)
		}
	}
}

// TestScheduleNeverDoubleBooks fills a day far beyond capacity and checks
// every accepted booking got a bay and a technician free for its slots.
func TestScheduleNeverDoubleBooks(t *testing.T) {
	g, err := NewGenerator(Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	b := &branch{bayFree: make([]uint64, 3), techFree: make([]uint64, 4)}
	b.techFree[3] = ^uint64(0) // off duty
	const total = 40
	bays := make([]uint64, 3)
	techs := make([]uint64, 4)
	accepted := 0
	for range 200 {
		n := 2 + g.r.IntN(6)
		bay, tech, slot, ok := g.schedule(b, g.preferredSlot(total, n), n, total)
		if !ok {
			continue
		}
		accepted++
		mask := (uint64(1)<<n - 1) << slot
		if bays[bay]&mask != 0 || techs[tech]&mask != 0 || tech == 3 || slot+n > total {
			t.Fatalf("booking %d overlaps (bay %d, tech %d, slot %d, n %d)", accepted, bay, tech, slot, n)
		}
		bays[bay] |= mask
		techs[tech] |= mask
	}
	if accepted == 0 || accepted == 200 {
		t.Fatalf("accepted %d of 200: want some but not all", accepted)
	}
}
