package datagen

import (
	"fmt"
	"slices"
	"time"
)

// rideWork is a performed ride's invoice material.
type rideWork struct {
	id, booker int64
	lines      []invLine
	plan       payPlan
}

type ride struct {
	id                int64
	service, status   string
	pickup            time.Time
	dur               time.Duration
	booker, passenger *customer
	d                 *driver
	car               *fleetCar
	landing           time.Time
	created           time.Time
	flight            string
}

var rideServices = []string{"airport_arrival", "airport_departure", "point_to_point", "hourly"}
var rideServiceWeights = []float64{0.35, 0.3, 0.25, 0.1}

// chauffeurDay books, dispatches and performs the day's rides, in pickup
// order so each chauffeur's and car's assignments never overlap.
func (g *Generator) chauffeurDay(o *org, day time.Time) {
	cb := o.chauffeur
	want := float64(cb.perMonth)*12/365*1.05 + cb.carry
	if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		want -= float64(cb.perMonth) * 12 / 365 * 0.2
	}
	n := int(want)
	cb.carry = want - float64(n)
	rides := make([]*ride, 0, n)
	for range n {
		r := g.newRide(cb, day)
		if r.pickup.Add(r.dur + time.Hour).Before(g.now) {
			rides = append(rides, r)
		}
	}
	slices.SortStableFunc(rides, func(a, b *ride) int { return a.pickup.Compare(b.pickup) })
	for _, r := range rides {
		g.dispatchAndRun(o, cb, r)
	}
	g.chauffeurShifts(o, cb, day, true)
	g.dispatcherShifts(o, cb, day, true)
}

func (g *Generator) newRide(cb *chauffeurBase, day time.Time) *ride {
	r := &ride{service: rideServices[g.weighted(rideServiceWeights)], booker: pick(g, cb.bookers)}
	r.passenger = r.booker
	if r.booker.company || g.chance(0.3) {
		r.passenger = pick(g, cb.passengers)
	}
	r.pickup = g.cal.at(day, g.between(5*60, 21*60)/5*5)
	switch r.service {
	case "hourly":
		r.dur = time.Duration(g.between(2, 6)) * time.Hour
	case "point_to_point":
		r.dur = minutes(g.between(25, 90))
	default:
		r.dur = minutes(g.between(50, 110))
	}
	r.created = r.pickup.Add(-time.Duration(g.between(2, 240)) * time.Hour)
	r.status = []string{"completed", "completed", "completed", "completed", "completed", "completed", "completed",
		"completed", "completed", "completed", "completed", "completed", "completed", "completed", "cancelled", "late_cancelled", "no_show"}[g.r.IntN(17)]
	if r.status == "no_show" && r.service != "airport_arrival" {
		r.status = "completed"
	}
	if r.service == "airport_arrival" {
		a := pick(g, airlines)
		r.flight = fmt.Sprintf("%s%d", a.code, g.between(10, 999))
		r.landing = r.pickup.Add(minutes(g.between(-20, 75)))
		if g.chance(0.06) {
			r.landing = r.pickup.Add(minutes(g.between(90, 240))) // a long flight delay
		}
	}
	return r
}

// dispatchAndRun assigns the first chauffeur and car free 30 minutes
// before pickup (round robin) and writes the ride; if none is free the
// ride is cancelled unassigned.
func (g *Generator) dispatchAndRun(o *org, cb *chauffeurBase, r *ride) {
	end := r.pickup.Add(r.dur + 45*time.Minute)
	if !r.landing.IsZero() {
		end = end.Add(r.landing.Sub(r.pickup).Abs())
	}
	start := r.pickup.Add(-30 * time.Minute)
	holds := r.status == "completed" || r.status == "no_show"
	off := g.r.IntN(len(cb.drivers))
	for k := range cb.drivers {
		if d := cb.drivers[(off+k)%len(cb.drivers)]; !d.freeAt.After(start) {
			r.d = d
			break
		}
	}
	for _, c := range cb.fleet {
		if !c.freeAt.After(start) {
			r.car = c
			break
		}
	}
	if r.d == nil || r.car == nil || r.status == "cancelled" {
		r.status, holds, r.d, r.car = "cancelled", false, nil, nil
	}
	if holds {
		r.d.freeAt, r.car.freeAt = end, end
		r.d.day = append(r.d.day, start, end)
	}
	r.id = g.next(tRideBooking)
	g.rideRows(o, cb, r, end)
}

func (g *Generator) rideRows(o *org, cb *chauffeurBase, r *ride, end time.Time) {
	quote := pennies(g.uniform(55, 95) + r.dur.Hours()*g.uniform(35, 55))
	meta := `{}`
	if r.flight != "" {
		meta = fmt.Sprintf(`{"flight_number": %q, "airline": %q, "terminal": "%d", "sign_text": "%s", "child_seats": %d}`,
			r.flight, airlineName(r.flight), g.between(2, 5), "GUEST "+itoa(r.passenger.id), g.r.IntN(3)/2)
	} else if g.chance(0.2) {
		meta = `{"meet_and_greet": "wait in reception", "child_seats": 1}`
	}
	ev := g.rideEvents(o, cb, r, quote)
	pickupAddr, drop := "Heathrow Airport", "12 Park Lane, London"
	if r.service == "airport_departure" {
		pickupAddr, drop = drop, "Heathrow Airport"
	}
	var landing any
	if !r.landing.IsZero() {
		landing = r.landing
	}
	var class any
	if r.car != nil {
		class = r.car.class
	}
	g.row(tRideBooking, r.id, o.id, cb.b.id, r.booker.id, r.passenger.id, r.service, r.status, class, r.pickup, int(r.dur.Minutes()),
		pickupAddr, drop, g.between(1, 3), g.between(0, 3), jsonText(meta), quote, landing, ev.onLocation, ev.onBoard, ev.completed,
		ev.cancelled, ev.reason, r.created, ev.last)
	g.row(tRideStop, g.next(tRideStop), o.id, r.id, 1, "pickup", pickupAddr, r.pickup, ev.onLocation, ev.onBoard, r.created, r.created)
	g.row(tRideStop, g.next(tRideStop), o.id, r.id, 2, "dropoff", drop, r.pickup.Add(r.dur), ev.completed, ev.completed, r.created, r.created)
	if r.d != nil {
		g.dispatchRows(o, cb, r, end)
	}
	if r.status == "completed" || r.status == "late_cancelled" {
		g.rideCharges(o, cb, r, quote, ev)
	}
}

func airlineName(flight string) string {
	for _, a := range airlines {
		if flight[:2] == a.code {
			return a.name
		}
	}
	return ""
}

func (g *Generator) dispatchRows(o *org, cb *chauffeurBase, r *ride, end time.Time) {
	offered := r.pickup.Add(-2 * time.Hour)
	disp := pick(g, cb.dispatchers).id
	if g.chance(0.1) {
		other := pick(g, cb.drivers)
		if other != r.d {
			g.row(tDispatch, g.next(tDispatch), o.id, cb.b.id, r.id, other.s.id, r.car.id, tsrange{r.pickup.Add(-30 * time.Minute), end},
				"declined", offered.Add(-10*time.Minute), offered.Add(-8*time.Minute), disp, offered.Add(-10*time.Minute), offered.Add(-8*time.Minute))
		}
	}
	status := "completed"
	switch r.status {
	case "cancelled", "late_cancelled":
		status = "cancelled"
	}
	g.row(tDispatch, g.next(tDispatch), o.id, cb.b.id, r.id, r.d.s.id, r.car.id, tsrange{r.pickup.Add(-30 * time.Minute), end},
		status, offered, offered.Add(minutes(g.between(1, 6))), disp, offered, end)
}
