package datagen

import (
	"math"
	"math/rand/v2"
	"time"
)

// seasonal is each calendar month's booking factor (≥ 1: the configured
// bookings per month is the floor): MOT/plate-change peaks in March and
// September, winter tyres and batteries in November.
var seasonal = [13]float64{0, 1.06, 1.0, 1.28, 1.1, 1.05, 1.08, 1.1, 1.02, 1.24, 1.12, 1.16, 1.01}

// weekday weights bookings by day of week (Sunday closed).
var weekday = [7]float64{0, 1.25, 1.1, 1.0, 1.0, 0.9, 0.55}

// hourWeights is the preferred start hour from opening: early drop-offs and
// an after-lunch bump make the peak hours.
var hourWeights = []float64{3.0, 2.2, 1.4, 1.1, 0.8, 1.3, 1.0, 0.8, 0.5, 0.2}
var quarterWeights = []float64{0.45, 0.2, 0.25, 0.1}

func (g *Generator) workshopDay(o *org, b *branch, day time.Time, _ int) {
	g.receiveArrivals(o, b, day)
	open, close, ok := openMinutes(day)
	if ok {
		g.roster(o, b, day, open, close, true)
		for range g.demand(o, b, day) {
			g.booking(o, b, day, open, close)
		}
		g.reorder(o, b, day)
	}
	g.flushInvoices(o, b, day)
}

// demand is the number of bookings at b on day: the month's total spread
// over its open days by weekday weight and day-to-day noise, fractions
// carried forward, so every month still gets its total.
func (g *Generator) demand(o *org, b *branch, day time.Time) int {
	first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, day.Location())
	total := 0.0
	for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
		total += g.dayWeight(b, d)
	}
	want := float64(o.perMonth)*1.003*seasonal[day.Month()]*b.weight*g.dayWeight(b, day)/total + b.carry
	n := int(math.Floor(want))
	b.carry = want - float64(n)
	return n
}

// dayWeight is a day's share of its month's bookings at b: the weekday
// weight (0 when closed, half on a short day) times noise that is a pure
// function of the seed, branch and date (quiet and busy days).
func (g *Generator) dayWeight(b *branch, day time.Time) float64 {
	open, close, ok := openMinutes(day)
	if !ok {
		return 0
	}
	w := weekday[day.Weekday()]
	if close-open < 6*60 && day.Weekday() != time.Saturday {
		w /= 2
	}
	y, m, d := day.Date()
	r := rand.New(rand.NewPCG(g.opt.Seed^uint64(b.id)<<32, uint64(y*10000+int(m)*100+d)))
	return w * math.Exp(0.22*r.NormFloat64())
}

// roster writes the day's shifts and attendance and marks off-duty
// technicians busy all day.
func (g *Generator) roster(o *org, b *branch, day time.Time, open, close int, attend bool) {
	saturday := day.Weekday() == time.Saturday
	for i, t := range b.techs {
		b.techFree[i] = 0
		if (saturday && !t.saturday) || g.chance(0.06) {
			b.techFree[i] = math.MaxUint64
		}
	}
	for i := range b.bayFree {
		b.bayFree[i] = 0
	}
	for _, s := range b.everyone {
		on := !saturday && !g.chance(0.06)
		if s.role == "technician" {
			on = b.techFree[indexOf(b.techs, s)] == 0
		} else if saturday {
			on = s.role == "receptionist" && s == b.advisors[0]
		}
		if on {
			g.shift(o, b, s, day, open, close, attend)
		}
	}
}

func indexOf(xs []*staffMember, s *staffMember) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

// shift writes a rostered shift and the matching attendance clock entry
// (and now and then a non-productive entry for a technician).
func (g *Generator) shift(o *org, b *branch, s *staffMember, day time.Time, open, close int, attend bool) {
	start, end := open, close
	switch s.role {
	case "manager":
		end = 17 * 60
	case "finance", "auditor":
		start, end = 9*60, 17*60+30
	}
	brk := 45
	if end-start <= 5*60 {
		brk = 0
	}
	from, to := g.cal.at(day, start), g.cal.at(day, end)
	g.row(tStaffShift, g.next(tStaffShift), o.id, b.id, s.id, tsrange{from, to}, brk, s.role == "technician", from.AddDate(0, 0, -14), from.AddDate(0, 0, -14))
	if !attend {
		return // a future rota: no clock records yet
	}
	on := from.Add(-minutes(g.between(0, 12)))
	off := to.Add(minutes(g.between(-5, 25)))
	g.row(tTimeClock, g.next(tTimeClock), o.id, b.id, s.id, "attendance", tsrange{on, off}, brk, nil, nil, on, off)
	if s.role == "technician" && g.chance(0.2) {
		np := g.cal.at(day, end-90+g.between(0, 30))
		g.row(tTimeClock, g.next(tTimeClock), o.id, b.id, s.id, "non_productive", tsrange{np, np.Add(minutes(g.between(20, 60)))}, 0, nil,
			pick(g, []string{"cleaning", "training", "waiting for parts", "vehicle movement"}), np, np)
	}
}

// preferredSlot draws a start slot (15-minute units from opening) for a
// booking of n slots in a day of total slots.
func (g *Generator) preferredSlot(total, n int) int {
	hours := hourWeights[:total/4]
	s := g.weighted(hours)*4 + g.weighted(quarterWeights)
	return min(s, total-n)
}

// schedule finds the free slot nearest to pref where one bay and one
// on-duty technician are both free for n slots, and books them.
func (g *Generator) schedule(b *branch, pref, n, total int) (bay, tech, slot int, ok bool) {
	for delta := 0; delta < total; delta++ {
		for _, s := range []int{pref + delta, pref - delta} {
			if s < 0 || s+n > total || (delta == 0 && s != pref) {
				continue
			}
			mask := (uint64(1)<<n - 1) << s
			bay = freeIndex(b.bayFree, mask, 0)
			if bay < 0 {
				continue
			}
			tech = freeIndex(b.techFree, mask, g.r.IntN(len(b.techFree)))
			if tech < 0 {
				continue
			}
			b.bayFree[bay] |= mask
			b.techFree[tech] |= mask
			return bay, tech, s, true
		}
	}
	return 0, 0, 0, false
}

// freeIndex is the first resource (from start, wrapping) whose timeline
// has mask free, or -1.
func freeIndex(busy []uint64, mask uint64, start int) int {
	for k := range busy {
		i := (start + k) % len(busy)
		if busy[i]&mask == 0 {
			return i
		}
	}
	return -1
}
