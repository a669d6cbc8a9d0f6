package datagen

import (
	"fmt"
	"io"
	"time"
)

// progress draws one self-overwriting status line: current table, rows
// loaded so far and the overall rate. A nil writer draws nothing.
type progress struct {
	w     io.Writer
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) update(table string, total int64) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(total) / max(now.Sub(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r\033[Kseed: %-34s %11d rows %9.0f rows/s", table, total, rate)
}

func (p *progress) done(s Stats) {
	if p.w == nil {
		return
	}
	rate := float64(s.Total) / max(s.Elapsed.Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r\033[Kseed: %d rows in %d tables, %s (%.0f rows/s)\n", s.Total, len(s.Rows), s.Elapsed.Round(time.Millisecond), rate)
}
