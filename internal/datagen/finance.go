package datagen

import (
	"fmt"
	"slices"
	"time"
)

const taxRate = 0.2

// invLine is an invoice line before numbering.
type invLine struct {
	kind, desc            string
	qty                   thousandths
	unit, net, cost       money
	sublet                money
	job, labour, part, rc int64
	noTax                 bool
}

type pendingInvoice struct {
	work   *roWork
	ride   *rideWork
	issued time.Time
	c      *customer
}

// payPlan is how an invoice gets paid: one or two payments; a zero paidAt
// means not fully paid by the dataset's end.
type payPlan struct {
	method  string
	parts   []time.Time
	paidAt  time.Time
	account bool
}

// paymentPlan: people pay at the counter; companies on account 2-6 weeks
// later, sometimes in two instalments.
func (g *Generator) paymentPlan(c *customer, issued time.Time) payPlan {
	if c == nil || !c.company {
		m := []string{"card", "card", "card", "card", "cash", "voucher"}[g.r.IntN(6)]
		at := issued.Add(minutes(g.between(1, 20)))
		if !at.Before(g.now) {
			return payPlan{method: m}
		}
		return payPlan{method: m, parts: []time.Time{at}, paidAt: at}
	}
	p := payPlan{method: "bank_transfer", account: true}
	first := issued.Add(time.Duration(g.between(14*24, 45*24)) * time.Hour)
	all := []time.Time{first}
	if g.chance(0.15) {
		all = append(all, first.Add(time.Duration(g.between(7*24, 30*24))*time.Hour))
	}
	for _, t := range all {
		if t.Before(g.now) {
			p.parts = append(p.parts, t)
		}
	}
	if len(p.parts) == len(all) {
		p.paidAt = all[len(all)-1]
	}
	return p
}

// flushInvoices numbers and writes the pending invoices of b issued by the
// end of day, in issue order: invoice numbers are gapless per branch.
func (g *Generator) flushInvoices(o *org, b *branch, day time.Time) {
	next := day.AddDate(0, 0, 1)
	var due []*pendingInvoice
	kept := b.pending[:0]
	for _, p := range b.pending {
		if p.issued.Before(next) {
			due = append(due, p)
		} else {
			kept = append(kept, p)
		}
	}
	b.pending = kept
	slices.SortFunc(due, func(x, y *pendingInvoice) int { return x.issued.Compare(y.issued) })
	for _, p := range due {
		g.invoice(o, b, p)
	}
}

// voidedInvoice is an invoice issued in error and voided later the same
// day (the loader voids it once it is issued).
type voidedInvoice struct {
	id     int64
	at     time.Time
	reason string
}

var voidReasons = []string{"wrong customer account", "labour hours entered twice", "discount not applied", "wrong vehicle on invoice"}

func (g *Generator) invoice(o *org, b *branch, p *pendingInvoice) {
	if p.work != nil && g.chance(0.012) {
		// Issued in error, voided, and reissued correctly with the next number.
		id := g.writeInvoice(o, b, p)
		at := p.issued.Add(minutes(g.between(3, 40)))
		g.voids = append(g.voids, voidedInvoice{id: id, at: at, reason: pick(g, voidReasons)})
		p = &pendingInvoice{work: p.work, issued: at.Add(minutes(1)), c: p.c}
	}
	id := g.writeInvoice(o, b, p)
	_, plan, customerID := p.lines()
	g.payments(o, b, id, customerID, g.lastGross, plan)
	if p.work != nil && !plan.paidAt.IsZero() {
		g.refund(o, b, id, g.lastNet, g.lastGross-g.lastNet, plan.paidAt)
	}
	if p.work != nil && !plan.paidAt.IsZero() && g.chance(0.22) {
		g.feedback(o, b, customerID, p.work.id, nil, plan.paidAt, p.work.tech)
	}
}

// writeInvoice writes p as a numbered draft with its lines and returns its id.
func (g *Generator) writeInvoice(o *org, b *branch, p *pendingInvoice) int64 {
	id := g.next(tInvoice)
	b.invoiceNo++
	lines, _, customerID := p.lines()
	var net, tax money
	for i, l := range lines {
		lt, rate := mulRate(l.net, taxRate), "0.2000"
		if l.noTax {
			lt, rate = 0, "0.0000"
		}
		net, tax = net+l.net, tax+lt
		g.row(tInvoiceLine, g.next(tInvoiceLine), o.id, id, i+1, l.kind, l.desc, l.qty, l.unit, l.net, rate, lt, l.cost,
			nz(l.job), nz(l.labour), nz(l.part), nz(l.rc), p.issued, p.issued)
	}
	var ro, ride any
	if p.work != nil {
		ro = p.work.id
	} else {
		ride = p.ride.id
	}
	due := p.issued.AddDate(0, 0, 30)
	// Written as a numbered draft: finance.guard_invoice_line only accepts
	// lines of drafts. The loader issues the batch's invoices after their
	// lines (Loader.issueInvoices), as finance.issue_invoice would.
	g.row(tInvoice, id, o.id, b.id, b.invoiceNo, customerID, ro, ride, "draft", "GBP", net, tax, net+tax, p.issued, due, nil, nil, p.issued, p.issued)
	g.lastGross, g.lastNet = net+tax, net
	return id
}

func (p *pendingInvoice) lines() ([]invLine, payPlan, int64) {
	if p.work != nil {
		return p.work.lines, p.work.plan, p.work.customer
	}
	return p.ride.lines, p.ride.plan, p.ride.booker
}

func nz(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// payments writes the payments of an invoice and their allocations.
func (g *Generator) payments(o *org, b *branch, invoice, customer int64, gross money, plan payPlan) {
	left := gross
	for k, at := range plan.parts {
		amt := left
		if k < len(plan.parts)-1 || plan.paidAt.IsZero() {
			amt = gross / 2
		}
		if amt <= 0 {
			return
		}
		left -= amt
		pid := g.next(tPayment)
		g.row(tPayment, pid, o.id, b.id, customer, plan.method, amt, at, fmt.Sprintf("PAY-%08d", pid), at, at)
		g.row(tPaymentAllocation, g.next(tPaymentAllocation), o.id, pid, invoice, amt, at, at, at)
	}
}

// feedback: CSAT and NPS, worse after a careless technician's work.
func (g *Generator) feedback(o *org, b *branch, customer int64, ro, ride any, after time.Time, tech *staffMember) {
	q := 1.0
	if tech != nil {
		q = tech.quality
	}
	at := after.Add(time.Duration(g.between(2, 96)) * time.Hour)
	if !at.Before(g.now) {
		return
	}
	csat := min(5, max(1, int(5.6-q*g.uniform(0, 2.2))))
	nps := min(10, max(0, csat*2+g.between(-1, 1)))
	var comment any
	if csat <= 2 {
		comment = pick(g, []string{"Car not ready on time", "Same problem came back", "Too expensive"})
	} else if csat == 5 && g.chance(0.3) {
		comment = "Great service, thank you"
	}
	g.row(tFeedback, g.next(tFeedback), o.id, b.id, customer, ro, ride, csat, nps, comment, at, at)
}

var expenseCategories = []struct {
	name   string
	perBay float64
}{
	{"rent", 900}, {"utilities", 260}, {"insurance", 140}, {"admin_salaries", 700}, {"marketing", 120}, {"consumables", 180}, {"equipment", 150},
}

// monthEnd writes the month's operating expenses and chauffeur settlements.
func (g *Generator) monthEnd(o *org, _ int, from, to time.Time) {
	for _, b := range o.branches {
		for _, e := range expenseCategories {
			amt := pennies(e.perBay * float64(len(b.bays)) * g.uniform(0.9, 1.1))
			at := to.Add(-time.Hour)
			g.row(tOperatingExpense, g.next(tOperatingExpense), o.id, b.id, date(from), e.name, amt, "monthly "+e.name, at, at)
		}
	}
	if o.chauffeur != nil {
		g.settlements(o, from, to)
	}
}
