package datagen

import (
	"fmt"
	"math"
	"time"
)

// chauffeurBase is the ride operation of an organisation.
type chauffeurBase struct {
	b           *branch
	perMonth    int
	dispatchers []*staffMember
	drivers     []*driver
	fleet       []*fleetCar
	bookers     []*customer
	passengers  []*customer
	carry       float64
	payable     map[int64][]settleLine // chauffeur id → lines of the month
}

type driver struct {
	s          *staffMember
	contractor bool
	freeAt     time.Time
	rules      []payRule
	shiftEnd   time.Time   // end of the last shift written
	clockEnd   time.Time   // end of the last attendance entry
	day        []time.Time // today's assignment spans: start, end, start, end...
}

type payRule struct {
	component, basis string
	rate             float64
	from             time.Time
}

type fleetCar struct {
	id     int64
	class  string
	seats  int
	freeAt time.Time
	miles  float64
}

type settleLine struct {
	ride, charge int64
	component    string
	amount       money
}

var airlines = []struct{ code, name string }{
	{"BA", "British Airways"}, {"VS", "Virgin Atlantic"}, {"EI", "Aer Lingus"}, {"LH", "Lufthansa"}, {"AF", "Air France"}, {"EK", "Emirates"},
}
var classes = []struct {
	class       string
	seats, bags int
}{{"sedan", 3, 2}, {"executive", 3, 3}, {"suv", 5, 5}, {"van", 7, 8}, {"luxury", 3, 3}}

// newChauffeurBase creates dispatchers, chauffeurs with pay rules, the
// fleet and the guests of the ride business at b.
func (g *Generator) newChauffeurBase(o *org, b *branch) {
	cb := &chauffeurBase{b: b, perMonth: max(o.perMonth/10, 30), payable: map[int64][]settleLine{}}
	o.chauffeur = cb
	for range 2 {
		cb.dispatchers = append(cb.dispatchers, g.newStaff(o, b, "dispatcher", "hourly", pennies(g.uniform(14, 17)), pennies(g.uniform(19, 23))))
	}
	n := max(4, int(math.Ceil(float64(cb.perMonth)/30/2.5)))
	for k := range n {
		g.newDriver(o, cb, k)
	}
	for k := range max(3, n*4/5) {
		g.newFleetCar(o, cb, k)
	}
	for range max(10, cb.perMonth/4) {
		c := g.newGuest(o, b, g.chance(0.3))
		cb.bookers = append(cb.bookers, c)
	}
	for range max(10, cb.perMonth/3) {
		cb.passengers = append(cb.passengers, g.newGuest(o, b, false))
	}
}

func (g *Generator) newGuest(o *org, b *branch, company bool) *customer {
	c := &customer{id: g.next(tCustomer), branch: b, company: company}
	created := g.cal.start.AddDate(0, 0, -g.between(10, 900))
	g.customerRow(o, b, c, created)
	g.consents(o, c, created)
	return c
}

func (g *Generator) newDriver(o *org, cb *chauffeurBase, k int) {
	d := &driver{contractor: k%3 == 2}
	basis, pay := "hourly", g.uniform(14, 18)
	engagement := "employee"
	if d.contractor {
		basis, engagement = "flat_rate", "contractor"
	}
	d.s = g.newStaff(o, cb.b, "chauffeur", basis, pennies(pay), pennies(pay*1.3))
	since := o.created
	g.row(tChauffeur, d.s.id, o.id, cb.b.id, fmt.Sprintf("DRV%08d", d.s.id), date(g.now.AddDate(g.between(1, 8), 0, 0)),
		fmt.Sprintf("PCO%06d", d.s.id), date(g.now.AddDate(0, g.between(2, 30), 0)), engagement, since, since)
	base := payRule{"ride_base", "per_hour", pay + 2, since}
	if d.contractor {
		base = payRule{"ride_base", "percentage", 55, since}
	}
	d.rules = []payRule{base, {"gratuity", "percentage", 100, since}, {"wait_time", "percentage", 50, since}}
	if k%2 == 0 {
		raised := base
		raised.rate, raised.from = base.rate*1.05, g.cal.start.AddDate(0, len(g.cal.month)/2, 0)
		d.rules = append(d.rules, raised)
	}
	for i, r := range d.rules {
		var until time.Time
		if i == 0 && len(d.rules) == 4 {
			until = d.rules[3].from
		}
		g.row(tPayRule, g.next(tPayRule), o.id, d.s.id, r.component, r.basis, pennies(r.rate), tsrange{r.from, until}, r.from, r.from)
	}
	cb.drivers = append(cb.drivers, d)
}

// rule is the pay rule of component in force at t.
func (d *driver) rule(component string, t time.Time) (payRule, bool) {
	var best payRule
	ok := false
	for _, r := range d.rules {
		if r.component == component && !r.from.After(t) && (!ok || r.from.After(best.from)) {
			best, ok = r, true
		}
	}
	return best, ok
}

func (g *Generator) newFleetCar(o *org, cb *chauffeurBase, k int) {
	cl := classes[k%len(classes)]
	c := &fleetCar{class: cl.class, seats: cl.seats, miles: g.uniform(3000, 40000)}
	since := o.created.AddDate(0, 0, g.between(0, 300))
	v := g.newVehicle(o, &customer{id: 0}, since)
	v.owners = nil // owned by the organisation: no keeper rows
	c.id = v.id
	g.row(tFleetVehicle, c.id, o.id, cb.b.id, cl.class, cl.seats, cl.bags, fmt.Sprintf("PHV%05d", c.id),
		date(g.now.AddDate(0, g.between(1, 14), 0)), tsrange{since, time.Time{}}, since, since)
	cb.fleet = append(cb.fleet, c)
}
