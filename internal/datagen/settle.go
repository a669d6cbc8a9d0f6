package datagen

import (
	"fmt"
	"time"
)

// payable is what r's chauffeur earns from a charge under the pay rule in
// force at pickup.
func (g *Generator) payable(r *ride, component string, amount money, rt rideTimes) money {
	if r.d == nil || amount <= 0 {
		return 0
	}
	rule, ok := r.d.rule(component, r.pickup)
	if !ok {
		return 0
	}
	switch rule.basis {
	case "percentage":
		return mulRate(amount, rule.rate/100)
	case "per_hour":
		return pennies(rule.rate * (r.dur.Hours() + 1))
	}
	return 0
}

// settlements writes one settlement per chauffeur for the month with a
// line per payable ride charge; older months are further along the
// draft → approved → paid → reconciled path.
func (g *Generator) settlements(o *org, from, to time.Time) {
	cb := o.chauffeur
	age := 0
	for m := to; m.Before(g.now); m = m.AddDate(0, 1, 0) {
		age++
	}
	approver := o.staff[0].id // finance
	for _, d := range cb.drivers {
		lines := cb.payable[d.s.id]
		if len(lines) == 0 {
			continue
		}
		id := g.next(tSettlement)
		var total money
		for _, l := range lines {
			total += l.amount
		}
		status := []string{"draft", "approved", "paid", "reconciled"}[min(age, 3)]
		var approvedAt, by, paidAt, recAt, ref any
		updated := to
		if age >= 1 {
			approvedAt, by, updated = to.AddDate(0, 0, 3), approver, to.AddDate(0, 0, 3)
		}
		if age >= 2 {
			paidAt, ref, updated = to.AddDate(0, 0, 7), fmt.Sprintf("BACS-%06d", id), to.AddDate(0, 0, 7)
		}
		if age >= 3 {
			recAt, updated = to.AddDate(0, 0, 20), to.AddDate(0, 0, 20)
		}
		g.row(tSettlement, id, o.id, cb.b.id, d.s.id, tsrange{from, to}, status, total, approvedAt, by, paidAt, recAt, ref, to, updated)
		for _, l := range lines {
			g.row(tSettlementLine, g.next(tSettlementLine), o.id, id, l.ride, l.component, l.amount, l.charge, to, to)
		}
	}
	clear(cb.payable)
}

// ownerships writes every vehicle's keeper history: consecutive,
// non-overlapping periods, the last one open.
func (g *Generator) ownerships(o *org) {
	for _, v := range o.vehicles {
		for i, w := range v.owners {
			var until time.Time
			if i+1 < len(v.owners) {
				until = v.owners[i+1].from
			}
			updated := w.from
			if !until.IsZero() {
				updated = until
			}
			g.row(tVehicleOwnership, g.next(tVehicleOwnership), o.id, v.id, w.customer, tsrange{w.from, until}, w.from, updated)
		}
	}
}
