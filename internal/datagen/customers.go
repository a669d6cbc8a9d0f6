package datagen

import (
	"fmt"
	"math"
	"strings"
	"time"
)

var consentPurposes = []string{"service_reminders", "marketing", "feedback", "data_sharing"}
var consentChannels = []string{"email", "sms", "phone", "post", "push"}

// initialCustomers creates the customer base a branch already has when
// history starts: about five months of bookings' worth, each due some
// time within their own interval.
func (g *Generator) initialCustomers(o *org, b *branch) {
	n := int(float64(o.perMonth) * b.weight * 5)
	for range n {
		created := g.cal.start.AddDate(0, 0, -g.between(30, 1500))
		c := g.newCustomer(o, b, created)
		c.due = g.cal.start.Add(time.Duration(g.r.Float64() * c.interval * float64(24*time.Hour)))
		b.pushDue(c)
	}
}

// newCustomer writes a customer with vehicles and consents.
func (g *Generator) newCustomer(o *org, b *branch, created time.Time) *customer {
	c := &customer{id: g.next(tCustomer), branch: b, company: g.chance(0.08)}
	if c.company {
		c.interval = clamp(g.lognormal(45, 0.35), 20, 120)
		c.value = g.lognormal(2.2, 0.4)
	} else {
		c.interval = clamp(g.lognormal(150, 0.45), 30, 420)
		c.value = g.lognormal(1, 0.55)
	}
	c.churnAt = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if g.chance(0.35) {
		span := g.now.Sub(g.cal.start).Hours() * 1.6
		c.churnAt = g.cal.start.Add(time.Duration(g.r.Float64()*span) * time.Hour)
	}
	g.customerRow(o, b, c, created)
	nv := 1
	if c.company {
		nv = g.between(2, 6)
	} else if g.chance(0.15) {
		nv = 2
	}
	for range nv {
		c.vehicles = append(c.vehicles, g.newVehicle(o, c, created))
	}
	g.consents(o, c, created)
	return c
}

func (g *Generator) customerRow(o *org, b *branch, c *customer, created time.Time) {
	addr, post := g.address()
	var given, family, company any
	kind := "person"
	var email string
	if c.company {
		kind = "company"
		name := g.companyName()
		company = name
		email = fmt.Sprintf("accounts%d@%s.example", c.id, strings.ToLower(strings.Fields(name)[0]))
	} else {
		gv, fm := g.personName()
		given, family = gv, fm
		email = fmt.Sprintf("%s.%s.%d@mail.example", strings.ToLower(gv), strings.ToLower(fm), c.id)
	}
	var home any = b.id
	if c.company && g.chance(0.3) {
		home = nil // corporate account shared by every branch
	}
	g.row(tCustomer, c.id, o.id, home, kind, nil, given, family, company, email, g.phone(), addr, post, created, created)
}

func (g *Generator) consents(o *org, c *customer, at time.Time) {
	for _, purpose := range consentPurposes[:g.between(1, 3)] {
		ch := pick(g, consentChannels[:2])
		g.row(tCustomerConsent, g.next(tCustomerConsent), o.id, c.id, purpose, ch, "granted", at, "in_branch", at)
		if purpose == "marketing" && g.chance(0.15) {
			w := at.AddDate(0, 0, g.between(10, 300))
			g.row(tCustomerConsent, g.next(tCustomerConsent), o.id, c.id, purpose, ch, "withdrawn", w, "web", w)
		}
	}
}

func (g *Generator) newVehicle(o *org, c *customer, created time.Time) *vehicle {
	v := &vehicle{id: g.next(tVehicle), annual: clamp(g.lognormal(8000, 0.4), 2000, 30000), created: created}
	year := created.Year() - g.between(0, 12)
	v.miles = float64(created.Year()-year) * v.annual * g.uniform(0.7, 1.3)
	mm := pick(g, makes)
	g.row(tVehicle, v.id, o.id, g.vin(v.id), g.plate(year), mm.make, mm.model, year, pick(g, fuels), pick(g, colours), created, created)
	v.owners = append(v.owners, ownership{customer: c.id, from: created})
	o.vehicles = append(o.vehicles, v)
	return v
}

// nextCustomer returns the customer to book at branch b on day: the most
// overdue one still alive if anyone is due within a week, else a new
// customer. Lapsed customers leave the queue for good; their cars
// sometimes find a new keeper who becomes a customer.
func (g *Generator) nextCustomer(o *org, b *branch, day time.Time) *customer {
	horizon := day.AddDate(0, 0, 7)
	if g.chance(0.06) { // acquisition: word of mouth, marketing, new residents
		return g.newCustomer(o, b, day.Add(-time.Duration(g.between(1, 14))*24*time.Hour))
	}
	for b.due.Len() > 0 && b.due[0].due.Before(horizon) {
		c := b.popDue()
		if c.churnAt.After(day) {
			return c
		}
		g.lapse(o, b, c, day)
	}
	c := g.newCustomer(o, b, day.Add(-time.Duration(g.between(1, 14))*24*time.Hour))
	return c
}

// lapse drops a churned customer; a third of them sell a car to a new
// keeper, who joins the branch's queue.
func (g *Generator) lapse(o *org, b *branch, c *customer, day time.Time) {
	if len(c.vehicles) == 0 || !g.chance(0.33) {
		return
	}
	v := c.vehicles[0]
	sold := maxTime(c.churnAt, v.owners[len(v.owners)-1].from.Add(24*time.Hour))
	if !sold.Before(day) {
		return
	}
	n := &customer{id: g.next(tCustomer), branch: b, interval: clamp(g.lognormal(150, 0.45), 30, 420), value: g.lognormal(1, 0.55)}
	n.churnAt = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	g.customerRow(o, b, n, sold)
	g.consents(o, n, sold)
	v.owners = append(v.owners, ownership{customer: n.id, from: sold})
	n.vehicles = []*vehicle{v}
	n.due = day.Add(time.Duration(g.r.Float64()*30) * 24 * time.Hour)
	b.pushDue(n)
}

// revisit puts c back in the queue after a visit on day.
func (g *Generator) revisit(c *customer, day time.Time, afterDays float64) {
	c.due = day.Add(time.Duration(afterDays * float64(24*time.Hour)))
	c.branch.pushDue(c)
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
