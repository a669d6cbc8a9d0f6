package datagen

import (
	"fmt"
	"math"
	"time"
)

// futureRides writes the rides already booked for day, ahead days after
// now: rides are booked 2 to 240 hours ahead, so the book thins out over
// the next ten days. They are quoted or confirmed; dispatch comes later.
func (g *Generator) futureRides(o *org, cb *chauffeurBase, day time.Time, ahead int) {
	share := math.Max(0, 1-(float64(ahead)+0.5)/10)
	n := int(float64(cb.perMonth)*12/365*share + 0.5)
	for range n {
		r := g.newRide(cb, day)
		if !r.created.Before(g.now) {
			r.created = g.now.Add(-time.Duration(g.between(1, 48)) * time.Hour)
		}
		r.status = "confirmed"
		if g.chance(0.15) {
			r.status = "quoted"
		}
		r.id = g.next(tRideBooking)
		g.futureRideRows(o, cb, r)
	}
}

func (g *Generator) futureRideRows(o *org, cb *chauffeurBase, r *ride) {
	quote := pennies(g.uniform(55, 95) + r.dur.Hours()*g.uniform(35, 55))
	meta := `{}`
	if r.flight != "" {
		meta = fmt.Sprintf(`{"flight_number": %q, "airline": %q, "terminal": "%d", "sign_text": "%s"}`,
			r.flight, airlineName(r.flight), g.between(2, 5), "GUEST "+itoa(r.passenger.id))
	}
	pickupAddr, drop := "Heathrow Airport", "12 Park Lane, London"
	if r.service == "airport_departure" {
		pickupAddr, drop = drop, "Heathrow Airport"
	}
	disp := pick(g, cb.dispatchers).id
	updated := r.created
	g.row(tRideEvent, g.next(tRideEvent), o.id, r.created, r.id, nil, "quoted", disp, nil, nil, r.created)
	if r.status == "confirmed" {
		updated = maxTime(r.created, minTime(r.created.Add(minutes(g.between(5, 60))), g.now.Add(-time.Minute)))
		g.row(tRideEvent, g.next(tRideEvent), o.id, updated, r.id, "quoted", "confirmed", disp, nil, nil, updated)
	}
	g.row(tRideBooking, r.id, o.id, cb.b.id, r.booker.id, r.passenger.id, r.service, r.status, nil, r.pickup, int(r.dur.Minutes()),
		pickupAddr, drop, g.between(1, 3), g.between(0, 3), jsonText(meta), quote, nil, nil, nil, nil, nil, nil, r.created, updated)
	g.row(tRideStop, g.next(tRideStop), o.id, r.id, 1, "pickup", pickupAddr, r.pickup, nil, nil, r.created, r.created)
	g.row(tRideStop, g.next(tRideStop), o.id, r.id, 2, "dropoff", drop, r.pickup.Add(r.dur), nil, nil, r.created, r.created)
}
