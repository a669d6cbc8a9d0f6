package datagen

import (
	"math"
	"time"
)

// Future generates what is already planned after the last day of history:
// rota shifts of every branch, chauffeur and dispatcher, the bookings
// customers have made for the next Options.FutureDays days (booked or
// confirmed, reminders pending) and the rides booked so far (quoted or
// confirmed, not yet dispatched), so a demo shows tomorrow's day sheet and
// the reminder and dispatch workers have work.
func (g *Generator) Future() {
	for d := range g.opt.FutureDays {
		day := g.now.AddDate(0, 0, d)
		for _, o := range g.orgs {
			if cb := o.chauffeur; cb != nil {
				g.futureRides(o, cb, day, d)
				g.chauffeurShifts(o, cb, day, false)
				g.dispatcherShifts(o, cb, day, false)
			}
			for _, b := range o.branches {
				g.futureDay(o, b, day, d)
			}
		}
	}
}

func (g *Generator) futureDay(o *org, b *branch, day time.Time, ahead int) {
	open, close, ok := openMinutes(day)
	if !ok {
		return
	}
	g.roster(o, b, day, open, close, false)
	// Bookings made so far: most are made within a week or two of the
	// visit, some (MOTs, fleet services) a month ahead.
	want := float64(g.demand(o, b, day)) * math.Max(0.12, math.Exp(-float64(ahead)/8))
	n := int(want)
	if g.chance(want - float64(n)) {
		n++
	}
	for range n {
		vis, ch := g.newVisit(o, b, day)
		vis.status = "confirmed"
		if ch == "walk_in" {
			ch = "phone"
		}
		bay, holds := g.place(b, vis, day, open, close)
		if !holds {
			g.revisit(vis.c, day, g.uniform(3, 10))
			continue
		}
		g.futureRows(o, b, vis, ch, bay)
		g.revisit(vis.c, day, vis.c.interval*g.uniform(0.75, 1.25))
	}
}

// futureRows writes a booking made before now for a visit after now.
func (g *Generator) futureRows(o *org, b *branch, vis *visit, ch string, bay int64) {
	created := g.now.Add(-time.Duration(g.between(1, 10*24)) * time.Hour)
	var staff, confirmed, remSent any
	if ch == "phone" {
		staff = pick(g, b.advisors).id
	}
	if at := created.Add(minutes(g.between(5, 2000))); at.Before(g.now) && g.chance(0.7) {
		confirmed = at
	} else {
		vis.status = "booked"
	}
	remDue := vis.start.Add(-24 * time.Hour)
	status, sent := "pending", any(nil)
	if remDue.Before(g.now) {
		at := maxTime(remDue, created).Add(minutes(2))
		remSent, status, sent = at, "sent", at
	}
	codes := make(textArray, len(vis.ops))
	for i, op := range vis.ops {
		codes[i] = op.code
	}
	period := tsrange{vis.start, vis.end}
	g.row(tBooking, vis.id, o.id, b.id, vis.c.id, vis.v.id, period, ch, vis.status, codes, nil, remDue, remSent, confirmed,
		nil, nil, nil, staff, created, created)
	g.row(tBayReservation, g.next(tBayReservation), o.id, b.id, vis.id, bay, period, true, created, created)
	g.row(tTechnicianBooking, g.next(tTechnicianBooking), o.id, b.id, vis.id, vis.tech.id, period, true, created, created)
	attempts := 0
	if sent != nil {
		attempts = 1
	}
	g.row(tNotification, g.next(tNotification), o.id, b.id, "booking_reminder", "sms", status, vis.c.id, nil,
		"Your service appointment tomorrow", jsonText(`{"booking_id": `+itoa(vis.id)+`}`), remDue, attempts, sent, created, created)
}
