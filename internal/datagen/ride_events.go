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

// rideEvents writes the status history of r and returns its milestones.
func (g *Generator) rideEvents(o *org, cb *chauffeurBase, r *ride, _ money) rideTimes {
	var rt rideTimes
	t := r.created
	from := any(nil)
	var odo float64
	var actor any
	if r.car != nil {
		odo = r.car.miles
		actor = r.d.s.id
	}
	step := func(to string, at time.Time, staff any, miles any) {
		g.row(tRideEvent, g.next(tRideEvent), o.id, at, r.id, from, to, staff, miles, nil, at)
		from, t, rt.last = to, at, at
	}
	disp := pick(g, cb.dispatchers).id
	step("quoted", t, disp, nil)
	step("confirmed", t.Add(minutes(g.between(5, 60))), disp, nil)
	if r.status == "cancelled" {
		at := t.Add(time.Duration(g.r.Float64() * float64(r.pickup.Add(-25*time.Hour).Sub(t).Abs())))
		if !at.After(t) || !at.Before(r.pickup) {
			at = t.Add(minutes(1))
		}
		step("cancelled", at, nil, nil)
		rt.cancelled, rt.reason = at, "plans changed"
		return rt
	}
	step("dispatched", maxTime(t.Add(minutes(1)), r.pickup.Add(-2*time.Hour)), disp, nil)
	step("accepted", t.Add(minutes(g.between(1, 6))), actor, nil)
	if r.status == "late_cancelled" {
		at := maxTime(t.Add(minutes(1)), r.pickup.Add(-minutes(g.between(10, 50))))
		step("late_cancelled", at, nil, nil)
		rt.cancelled, rt.reason = at, "cancelled within 1 hour"
		return rt
	}
	deadhead := g.uniform(3, 25)
	step("on_the_way", maxTime(t.Add(minutes(1)), r.pickup.Add(-minutes(g.between(35, 60)))), actor, fixed1(odo))
	odo += deadhead
	late := 0
	if g.chance(0.1) {
		late = g.between(5, 25)
	}
	onLoc := maxTime(t.Add(minutes(1)), r.pickup.Add(minutes(late-g.between(0, 12))))
	step("on_location", onLoc, actor, fixed1(odo))
	rt.onLocation = onLoc
	if r.status == "no_show" {
		step("no_show", onLoc.Add(time.Hour), actor, fixed1(odo))
		r.car.miles = odo + deadhead
		return rt
	}
	board := onLoc.Add(minutes(g.between(2, 10)))
	if !r.landing.IsZero() {
		board = maxTime(board, r.landing.Add(minutes(g.between(20, 45))))
	}
	rt.wait = board.Sub(onLoc)
	step("passenger_on_board", board, actor, fixed1(odo))
	rt.onBoard = board
	rt.miles = r.dur.Hours() * g.uniform(18, 32)
	odo += rt.miles
	done := board.Add(r.dur)
	step("completed", done, actor, fixed1(odo))
	rt.completed, rt.performed = done, done
	r.car.miles = odo + deadhead
	return rt
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
