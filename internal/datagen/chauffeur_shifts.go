package datagen

import (
	"math"
	"time"
)

// Chauffeurs work a rota of early (05:30-14:30) and late (12:30-21:30)
// shifts, five days in seven, days off staggered so every day is covered.
const (
	earlyShift = 5*60 + 30
	lateShift  = 12*60 + 30
	shiftHours = 9
)

// chauffeurShifts writes each chauffeur's shift of day: the rota's shift,
// widened to cover the day's assignments (a chauffeur off the rota who
// drove was called in for those hours), never overlapping the previous
// shift. attend adds the attendance clock entry (history only).
func (g *Generator) chauffeurShifts(o *org, cb *chauffeurBase, day time.Time, attend bool) {
	n := dayNumber(day)
	for k, d := range cb.drivers {
		var from, to time.Time
		if (n+k)%7 < 5 {
			start := earlyShift
			if k%2 == 1 {
				start = lateShift
			}
			from, to = g.cal.at(day, start), g.cal.at(day, start+shiftHours*60)
		}
		for i := 0; i+1 < len(d.day); i += 2 {
			if from.IsZero() || d.day[i].Before(from) {
				from = d.day[i]
			}
			if d.day[i+1].After(to) {
				to = d.day[i+1]
			}
		}
		d.day = d.day[:0]
		if from.Before(d.shiftEnd) {
			from = d.shiftEnd
		}
		if from.IsZero() || !to.After(from) {
			continue
		}
		d.shiftEnd = to
		g.row(tStaffShift, g.next(tStaffShift), o.id, cb.b.id, d.s.id, tsrange{from, to}, 30, true, from.AddDate(0, 0, -14), from.AddDate(0, 0, -14))
		if attend {
			on, off := from.Add(-minutes(g.between(0, 10))), to.Add(minutes(g.between(0, 15)))
			if on.Before(d.clockEnd) {
				on = d.clockEnd
			}
			d.clockEnd = off
			g.row(tTimeClock, g.next(tTimeClock), o.id, cb.b.id, d.s.id, "attendance", tsrange{on, off}, 30, nil, nil, on, off)
		}
	}
}

// dispatcherShifts writes the dispatchers' rota shifts of day: the same
// early and late pattern as the chauffeurs, days off staggered.
func (g *Generator) dispatcherShifts(o *org, cb *chauffeurBase, day time.Time, attend bool) {
	n := dayNumber(day)
	for k, s := range cb.dispatchers {
		if (n+3*k)%7 >= 5 {
			continue
		}
		start := earlyShift - 30
		if k%2 == 1 {
			start = lateShift
		}
		from, to := g.cal.at(day, start), g.cal.at(day, start+shiftHours*60)
		g.row(tStaffShift, g.next(tStaffShift), o.id, cb.b.id, s.id, tsrange{from, to}, 45, true, from.AddDate(0, 0, -14), from.AddDate(0, 0, -14))
		if attend {
			on, off := from.Add(-minutes(g.between(0, 10))), to.Add(minutes(g.between(0, 15)))
			g.row(tTimeClock, g.next(tTimeClock), o.id, cb.b.id, s.id, "attendance", tsrange{on, off}, 45, nil, nil, on, off)
		}
	}
}

// dayNumber counts days since 1970-01-01 of day's local date.
func dayNumber(day time.Time) int {
	y, m, d := day.Date()
	return int(math.Round(float64(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()) / 86400))
}
