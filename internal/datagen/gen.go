package datagen

import (
	"math"
	"math/rand/v2"
	"time"
)

// Generator produces the dataset one phase at a time into per-table
// buffers: Reference (catalogues, organisations, staff, customer base),
// then Month(i) for every month, then Future (what is already booked),
// then Final (keeper history and stock levels). Not safe for concurrent use.
type Generator struct {
	opt Options
	cal calendar
	r   *rand.Rand
	// refunds draws the credit notes from its own stream, so adding them
	// leaves the rest of the dataset as it was for a seed.
	refunds *rand.Rand
	t       [numTables]tableBuf
	ids     [numTables]int64
	orgs    []*org
	now     time.Time // the dataset's "now": cal.end
	// voids are the phase's invoices to void once issued (the loader's).
	voids     []voidedInvoice
	lastGross money // gross total of the invoice writeInvoice wrote last
	lastNet   money // net total of the invoice writeInvoice wrote last
}

// NewGenerator validates o and prepares a generator.
func NewGenerator(o Options) (*Generator, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	cal, err := newCalendar(o)
	if err != nil {
		return nil, err
	}
	g := &Generator{opt: o, cal: cal, r: rand.New(rand.NewPCG(o.Seed, 0x63636820_64617461)), now: cal.end,
		refunds: rand.New(rand.NewPCG(o.Seed, 0x63636820_72656664))}
	for i := range g.t {
		g.t[i].spec = &specs[i]
	}
	return g, nil
}

// Months is the number of Month phases.
func (g *Generator) Months() int { return len(g.cal.month) }

// next allocates the next primary key of table t.
func (g *Generator) next(t int) int64 {
	g.ids[t]++
	return g.ids[t]
}

func (g *Generator) row(t int, vals ...any) { g.t[t].row(vals...) }

// Reference generates the organisations and everything that does not
// depend on the month: branches, staff, catalogues, suppliers, the
// initial customer base and fleet.
func (g *Generator) Reference() {
	g.orgs = append(g.orgs, g.newOrg("Car Care Hub Ltd", g.opt.Branches, g.opt.BookingsPerMonth, true))
	small := max(g.opt.BookingsPerMonth/40, 20)
	g.orgs = append(g.orgs, g.newOrg("Tiny Motors (demo tenant)", 1, small, false))
}

// Month generates month i (0 = oldest).
func (g *Generator) Month(i int) {
	from, to := g.cal.month[i], g.cal.monthEnd(i)
	for _, o := range g.orgs {
		for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
			// Rides first: their invoices join the base branch's numbering
			// at the end of its day.
			if o.chauffeur != nil {
				g.chauffeurDay(o, day)
			}
			for _, b := range o.branches {
				g.workshopDay(o, b, day, i)
			}
		}
		g.monthEnd(o, i, from, to)
	}
}

// Final generates what is only known once history is complete.
func (g *Generator) Final() {
	for _, o := range g.orgs {
		g.ownerships(o)
		g.stockLevels(o)
	}
}

// --- random helpers ---

func (g *Generator) chance(p float64) bool { return g.r.Float64() < p }

func (g *Generator) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *Generator) uniform(lo, hi float64) float64 { return lo + g.r.Float64()*(hi-lo) }

// lognormal returns median * exp(sigma * N(0,1)).
func (g *Generator) lognormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*g.r.NormFloat64())
}

func pick[T any](g *Generator, xs []T) T { return xs[g.r.IntN(len(xs))] }

// weighted picks an index with probability proportional to w.
func (g *Generator) weighted(w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	u := g.r.Float64() * total
	for i, x := range w {
		u -= x
		if u < 0 {
			return i
		}
	}
	return len(w) - 1
}

func minutes(m int) time.Duration { return time.Duration(m) * time.Minute }

// pennies rounds a float amount in pounds to money.
func pennies(x float64) money { return money(math.Round(x * 100)) }

// mulRate is amount × rate (rate as a fraction), rounded to pennies.
func mulRate(a money, rate float64) money { return money(math.Round(float64(a) * rate)) }
