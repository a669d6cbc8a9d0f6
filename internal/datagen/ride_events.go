package datagen

import (
	"time"
)

// rideTimes are the milestones of a ride as written on ride_booking.
type rideTimes struct {
	onLocation, onBoard, completed, cancelled, reason any
	last                                              time.Time
	performed                                         time.Time // completion, for pay and invoice
	wait                                              time.Duration
	miles                                             float64
}

// events writes one ride's status history in order.
type events struct {
	g    *Generator
	o    *org
	r    *ride
	from any
	t    time.Time
	rt   rideTimes
}

func (e *events) step(to string, at time.Time, staff, miles any) {
	e.g.row(tRideEvent, e.g.next(tRideEvent), e.o.id, at, e.r.id, e.from, to, staff, miles, nil, at)
	e.from, e.t, e.rt.last = to, at, at
}

// rideEvents writes the status history of r and returns its milestones.
func (g *Generator) rideEvents(o *org, cb *chauffeurBase, r *ride, _ money) rideTimes {
	e := &events{g: g, o: o, r: r, t: r.created}
	disp := pick(g, cb.dispatchers).id
	e.step("quoted", e.t, disp, nil)
	e.step("confirmed", e.t.Add(minutes(g.between(5, 60))), disp, nil)
	if r.status == "cancelled" {
		at := e.t.Add(time.Duration(g.r.Float64() * float64(r.pickup.Add(-25*time.Hour).Sub(e.t).Abs())))
		if !at.After(e.t) || !at.Before(r.pickup) {
			at = e.t.Add(minutes(1))
		}
		e.step("cancelled", at, nil, nil)
		e.rt.cancelled, e.rt.reason = at, "plans changed"
		return e.rt
	}
	e.step("dispatched", maxTime(e.t.Add(minutes(1)), r.pickup.Add(-2*time.Hour)), disp, nil)
	e.step("accepted", e.t.Add(minutes(g.between(1, 6))), r.d.s.id, nil)
	if r.status == "late_cancelled" {
		at := maxTime(e.t.Add(minutes(1)), r.pickup.Add(-minutes(g.between(10, 50))))
		e.step("late_cancelled", at, nil, nil)
		e.rt.cancelled, e.rt.reason = at, "cancelled within 1 hour"
		return e.rt
	}
	g.journey(e)
	return e.rt
}

// journey writes the events from leaving for the pickup to completion (or
// a no-show), with odometer readings: miles before boarding are dead-head.
func (g *Generator) journey(e *events) {
	r, actor := e.r, e.r.d.s.id
	odo, deadhead := r.car.miles, g.uniform(3, 25)
	e.step("on_the_way", maxTime(e.t.Add(minutes(1)), r.pickup.Add(-minutes(g.between(35, 60)))), actor, fixed1(odo))
	odo += deadhead
	late := 0
	if g.chance(0.1) {
		late = g.between(5, 25)
	}
	onLoc := maxTime(e.t.Add(minutes(1)), r.pickup.Add(minutes(late-g.between(0, 12))))
	e.step("on_location", onLoc, actor, fixed1(odo))
	e.rt.onLocation = onLoc
	if r.status == "no_show" {
		e.step("no_show", onLoc.Add(time.Hour), actor, fixed1(odo))
		r.car.miles = odo + deadhead
		return
	}
	board := onLoc.Add(minutes(g.between(2, 10)))
	if !r.landing.IsZero() {
		board = maxTime(board, r.landing.Add(minutes(g.between(20, 45))))
	}
	e.rt.wait = board.Sub(onLoc)
	e.step("passenger_on_board", board, actor, fixed1(odo))
	e.rt.onBoard = board
	e.rt.miles = r.dur.Hours() * g.uniform(18, 32)
	odo += e.rt.miles
	done := board.Add(r.dur)
	e.step("completed", done, actor, fixed1(odo))
	e.rt.completed, e.rt.performed = done, done
	r.car.miles = odo + deadhead
}

// fixed1 is a numeric(10,1) odometer value.
func fixed1(x float64) any { return hundredths(int64(x*10) * 10) }

// rideCharges prices a performed (or late-cancelled) ride, computes what
// the chauffeur earns per pay rule, and queues the ride's invoice.
func (g *Generator) rideCharges(o *org, cb *chauffeurBase, r *ride, quote money, rt rideTimes) {
	w := &rideWork{id: r.id, booker: r.booker.id}
	add := func(component, kind, desc string, amount money, taxable bool) {
		id := g.next(tRideCharge)
		payable := g.payable(r, component, amount, rt)
		at := r.created
		g.row(tRideCharge, id, o.id, r.id, component, desc, thousandths(1000), amount, amount, taxable, payable, at, at)
		w.lines = append(w.lines, invLine{kind: kind, desc: desc, qty: 1000, unit: amount, net: amount, rc: id, noTax: !taxable})
		if payable > 0 {
			cb.payable[r.d.s.id] = append(cb.payable[r.d.s.id], settleLine{ride: r.id, charge: id, component: component, amount: payable})
		}
	}
	issued := rt.last.Add(time.Hour)
	if r.status == "late_cancelled" {
		add("cancellation_fee", "fee", "Late cancellation fee", mulRate(quote, 0.5), true)
	} else {
		add("ride_base", "ride_base", "Transfer", quote, true)
		if extra := rt.wait - 30*time.Minute; r.service == "airport_arrival" && extra > 0 {
			add("wait_time", "wait_time", "Waiting time", pennies(0.5*extra.Minutes()), true)
		}
		if r.service == "airport_arrival" || r.service == "airport_departure" {
			add("parking", "parking", "Airport parking", 800, false)
		}
		if g.chance(0.3) {
			add("gratuity", "gratuity", "Gratuity", mulRate(quote, 0.1), false)
		}
		if g.chance(0.05) {
			add("discount", "discount", "Loyalty discount", -mulRate(quote, 0.1), true)
		}
		issued = rt.performed.Add(time.Hour)
	}
	if !issued.Before(g.now) {
		return
	}
	w.plan = g.paymentPlan(r.booker, issued)
	cb.b.pending = append(cb.b.pending, &pendingInvoice{ride: w, issued: issued})
	if r.status == "completed" && g.chance(0.15) && !w.plan.paidAt.IsZero() {
		g.feedback(o, cb.b, r.passenger.id, nil, r.id, rt.performed, nil)
	}
}
