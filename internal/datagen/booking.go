package datagen

import (
	"time"
)

var channels = []string{"phone", "web", "app", "walk_in", "partner"}
var channelWeights = []float64{0.35, 0.35, 0.15, 0.08, 0.07}

// visit is one booking as scheduled.
type visit struct {
	id         int64
	c          *customer
	v          *vehicle
	ops        []*labourOp
	start, end time.Time
	tech       *staffMember
	status     string
	comebackOf int64
}

// booking books the next due customer at b on day.
func (g *Generator) booking(o *org, b *branch, day time.Time, open, close int) {
	vis, ch := g.newVisit(o, b, day)
	vis.status = g.bookingStatus(ch)
	bay, holds := g.place(b, vis, day, open, close)
	g.bookingRows(o, b, vis, ch, bay, holds)
	c := vis.c
	switch vis.status {
	case "converted":
		g.repairOrder(o, b, vis)
		if c.comeback == nil {
			g.revisit(c, day, c.interval*g.uniform(0.75, 1.25))
		}
	default:
		g.revisit(c, day, g.uniform(3, 20))
	}
}

// newVisit picks the customer, vehicle, operations and channel.
func (g *Generator) newVisit(o *org, b *branch, day time.Time) (*visit, string) {
	c := g.nextCustomer(o, b, day)
	vis := &visit{id: g.next(tBooking), c: c, v: pick(g, c.vehicles)}
	vis.ops = g.chooseOps(o, c, vis)
	return vis, channels[g.weighted(channelWeights)]
}

// place sets the visit's period, bay and technician: on free timelines
// when the booking holds resources, anywhere (inactive) when it does not.
// A fully booked day turns the booking into a cancellation.
func (g *Generator) place(b *branch, vis *visit, day time.Time, open, close int) (bay int64, holds bool) {
	dur := 0
	for _, op := range vis.ops {
		dur += int(op.book) * 60 / 100
	}
	n := min(max((dur+14)/15, 2), 16)
	total := (close - open) / 15
	holds = vis.status != "cancelled" && vis.status != "late_cancelled"
	pref := g.preferredSlot(total, n)
	bi, tech, slot := g.r.IntN(len(b.bays)), g.r.IntN(len(b.techs)), pref
	if holds {
		var ok bool
		if bi, tech, slot, ok = g.schedule(b, pref, n, total); !ok {
			vis.status, holds = "cancelled", false // fully booked: the customer gives up for now
			bi, tech, slot = g.r.IntN(len(b.bays)), g.r.IntN(len(b.techs)), pref
		}
	}
	vis.tech = b.techs[tech]
	vis.start = g.cal.at(day, open+slot*15)
	vis.end = vis.start.Add(minutes(n * 15))
	return b.bays[bi], holds
}

// chooseOps picks the requested operations: the redo of a comeback, else
// one or two operations by catalogue share.
func (g *Generator) chooseOps(o *org, c *customer, vis *visit) []*labourOp {
	if cb := c.comeback; cb != nil {
		c.comeback = nil
		vis.comebackOf = cb.ro
		vis.v = cb.vehicle
		return []*labourOp{cb.op}
	}
	w := make([]float64, len(o.ops))
	for i, op := range o.ops {
		w[i] = op.weight
	}
	first := o.ops[g.weighted(w)]
	ops := []*labourOp{first}
	if g.chance(0.3) {
		if second := o.ops[g.weighted(w)]; second != first {
			ops = append(ops, second)
		}
	}
	return ops
}

func (g *Generator) bookingStatus(channel string) string {
	noShow := 0.05
	if channel == "web" || channel == "app" {
		noShow = 0.08
	}
	if channel == "walk_in" {
		return "converted"
	}
	u := g.r.Float64()
	switch {
	case u < noShow:
		return "no_show"
	case u < noShow+0.07:
		return "cancelled"
	case u < noShow+0.11:
		return "late_cancelled"
	}
	return "converted"
}

func (g *Generator) bookingRows(o *org, b *branch, vis *visit, ch string, bay int64, holds bool) {
	lead := time.Duration(clamp(g.lognormal(6, 0.8), 0.2, 40) * float64(24*time.Hour))
	if ch == "walk_in" {
		lead = minutes(10)
	}
	created := vis.start.Add(-lead)
	var staff any
	if ch == "phone" || ch == "walk_in" {
		staff = pick(g, b.advisors).id
	}
	var remDue, remSent, confirmed, arrived, cancelled, reason any
	updated := created
	if lead > 26*time.Hour {
		remDue = vis.start.Add(-24 * time.Hour)
		remSent = vis.start.Add(-24*time.Hour + minutes(g.between(0, 9)))
		confirmed = created.Add(minutes(g.between(5, 600)))
		g.reminder(o, b, vis, remDue.(time.Time))
	}
	switch vis.status {
	case "converted":
		at := vis.start.Add(minutes(g.between(-15, 10)))
		arrived, updated = at, at
	case "cancelled":
		at := created.Add(time.Duration(g.r.Float64() * float64(max(lead-25*time.Hour, time.Minute))))
		cancelled, reason, updated = at, pick(g, []string{"customer rescheduled", "vehicle sold", "found another garage", "fully booked"}), at
	case "late_cancelled":
		at := vis.start.Add(-minutes(g.between(30, 23*60)))
		if at.Before(created) {
			at = created.Add(minutes(1))
		}
		cancelled, reason, updated = at, "late cancellation", at
	case "no_show":
		updated = vis.end
	}
	codes := make(textArray, len(vis.ops))
	for i, op := range vis.ops {
		codes[i] = op.code
	}
	var notes any
	if g.chance(0.1) {
		notes = pick(g, []string{"customer waiting", "courtesy car requested", "collect by 5pm", "noise from front left"})
	}
	period := tsrange{vis.start, vis.end}
	g.row(tBooking, vis.id, o.id, b.id, vis.c.id, vis.v.id, period, ch, vis.status, codes, notes, remDue, remSent, confirmed,
		arrived, cancelled, reason, staff, created, updated)
	g.row(tBayReservation, g.next(tBayReservation), o.id, b.id, vis.id, bay, period, holds, created, updated)
	g.row(tTechnicianBooking, g.next(tTechnicianBooking), o.id, b.id, vis.id, vis.tech.id, period, holds, created, updated)
}

func (g *Generator) reminder(o *org, b *branch, vis *visit, due time.Time) {
	g.row(tNotification, g.next(tNotification), o.id, b.id, "booking_reminder", "sms", "sent", vis.c.id, nil,
		"Your service appointment tomorrow", jsonText(`{"booking_id": `+itoa(vis.id)+`}`), due, 1, due.Add(minutes(2)), due, due.Add(minutes(2)))
}
