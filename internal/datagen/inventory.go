package datagen

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// openingStock sets reorder points from expected usage and writes the
// opening balance of every part at b.
func (g *Generator) openingStock(o *org, b *branch) {
	daily := float64(o.perMonth) * b.weight / 23.5
	at := g.cal.start.Add(-17 * time.Hour)
	for _, p := range o.parts {
		use := p.use * daily
		s := &stockItem{avgCost: p.cost, lastCount: at}
		s.reorderAt = units(use*float64(p.lead+2)*1.1 + 1)
		s.reorderQ = units(use*12 + 1)
		s.onHand = s.reorderAt + s.reorderQ
		b.stock = append(b.stock, s)
		g.row(tInventoryTxn, g.next(tInventoryTxn), o.id, b.id, at, p.id, "adjustment", s.onHand, p.cost, nil, nil, "opening balance", nil, at)
	}
}

// units rounds a quantity up to whole units, in thousandths.
func units(x float64) thousandths { return thousandths(math.Ceil(x) * 1000) }

// costAt is the supplier price of p at t: +4% a year from the start.
func (g *Generator) costAt(p *part, t time.Time) money {
	years := t.Sub(g.cal.start).Hours() / 24 / 365
	return mulRate(p.cost, 1+0.04*years)
}

// issueParts issues the parts of job j from stock at t. On a stock-out an
// urgent order arrives the next morning and work waits for it; it returns
// when work can start.
func (g *Generator) issueParts(o *org, b *branch, w *roWork, j *job, tech *staffMember, t time.Time) time.Time {
	t0 := t
	for _, u := range j.op.parts {
		idx := u.part + g.r.IntN(u.alt)
		p, s := o.parts[idx], b.stock[idx]
		if s.onHand < u.qty {
			t = g.stockout(o, b, idx, u.qty, t)
			if t.IsZero() || !t.Before(g.now) {
				w.stockout = true
				g.partLine(o, b, w, j, p, u.qty, s.avgCost, t0, nil)
				return g.now
			}
		}
		s.onHand -= u.qty
		pl := g.partLine(o, b, w, j, p, u.qty, s.avgCost, t, t)
		g.row(tInventoryTxn, g.next(tInventoryTxn), o.id, b.id, t, p.id, "issue", -u.qty, s.avgCost, pl, nil, nil, tech.id, t)
	}
	return t
}

func (g *Generator) partLine(o *org, b *branch, w *roWork, j *job, p *part, qty thousandths, cost money, at time.Time, issued any) int64 {
	id := g.next(tPartLine)
	sale := roundDiv(int64(p.price)*int64(qty), 1000)
	costTotal := roundDiv(int64(cost)*int64(qty), 1000)
	g.row(tPartLine, id, o.id, b.id, j.id, p.id, qty, cost, p.price, sale, issued, at, at)
	if j.pay == "customer" {
		w.lines = append(w.lines, invLine{kind: "part", desc: p.number, qty: qty, unit: p.price, net: sale, cost: costTotal, job: j.id, part: id})
	}
	return id
}

// stockout raises an inventory alert and an urgent purchase order for the
// missing part; it returns when the part arrives (zero if never).
func (g *Generator) stockout(o *org, b *branch, idx int, qty thousandths, t time.Time) time.Time {
	p, s := o.parts[idx], b.stock[idx]
	g.row(tNotification, g.next(tNotification), o.id, b.id, "inventory_alert", "email", "sent", nil, b.manager.id,
		"Stock-out: "+p.number, jsonText(fmt.Sprintf(`{"part_id": %d, "branch_id": %d}`, p.id, b.id)), t, 1, t.Add(minutes(1)), t, t.Add(minutes(1)))
	arrive := time.Date(t.Year(), t.Month(), t.Day()+1, 10, 0, 0, 0, t.Location())
	line := g.purchaseOrder(o, b, p.supplier, []int{idx}, []thousandths{qty + s.reorderQ}, t, arrive, false)
	if !arrive.Before(g.now) {
		return time.Time{}
	}
	g.receive(o, b, idx, arrival{at: arrive, poLine: line[0], qty: qty + s.reorderQ, cost: g.costAt(p, arrive)})
	return arrive.Add(minutes(15))
}

// purchaseOrder writes a PO with one line per part and returns the line
// ids. Lines arriving before the dataset's end are received.
func (g *Generator) purchaseOrder(o *org, b *branch, supplier int64, idx []int, qty []thousandths, at, expected time.Time, auto bool) []int64 {
	id := g.next(tPurchaseOrder)
	b.poNo++
	status, received := "sent", any(nil)
	if expected.Before(g.now) {
		status, received = "received", expected
	}
	var by any = b.manager.id
	if auto {
		by = nil
	}
	g.row(tPurchaseOrder, id, o.id, b.id, supplier, fmt.Sprintf("PO-%s-%06d", b.code, b.poNo), status, auto, at, expected, received, by, at, at)
	lines := make([]int64, len(idx))
	for k, i := range idx {
		lines[k] = g.next(tPurchaseOrderLine)
		var got thousandths
		if status == "received" {
			got = qty[k]
		}
		g.row(tPurchaseOrderLine, lines[k], o.id, id, o.parts[i].id, qty[k], got, g.costAt(o.parts[i], at), at, at)
	}
	return lines
}

// receive books an arrival into stock at its moving average cost.
func (g *Generator) receive(o *org, b *branch, idx int, a arrival) {
	s := b.stock[idx]
	total := int64(s.onHand)*int64(s.avgCost) + int64(a.qty)*int64(a.cost)
	s.onHand += a.qty
	s.avgCost = money(total / int64(s.onHand))
	g.row(tInventoryTxn, g.next(tInventoryTxn), o.id, b.id, a.at, o.parts[idx].id, "receipt", a.qty, a.cost, nil, a.poLine, "PO receipt", nil, a.at)
}

// receiveArrivals books the regular deliveries due by the end of day.
func (g *Generator) receiveArrivals(o *org, b *branch, day time.Time) {
	next := day.AddDate(0, 0, 1)
	for i, s := range b.stock {
		kept := s.arrivals[:0]
		for _, a := range s.arrivals {
			if a.at.Before(next) {
				g.receive(o, b, i, a)
				s.openPO = false
			} else {
				kept = append(kept, a)
			}
		}
		s.arrivals = kept
	}
}

// reorder raises one automatic PO per supplier for parts at or below their
// reorder point at the end of day.
func (g *Generator) reorder(o *org, b *branch, day time.Time) {
	bySupplier := map[int64][]int{}
	for i, s := range b.stock {
		if !s.openPO && s.onHand <= s.reorderAt {
			bySupplier[o.parts[i].supplier] = append(bySupplier[o.parts[i].supplier], i)
		}
	}
	at := g.cal.at(day, 17*60+30)
	for _, sup := range o.suppliers {
		idx := bySupplier[sup]
		if len(idx) == 0 {
			continue
		}
		lead := slices.Max(mapSlice(idx, func(i int) int { return o.parts[i].lead }))
		expected := time.Date(day.Year(), day.Month(), day.Day()+lead, 9, 30, 0, 0, day.Location())
		qty := mapSlice(idx, func(i int) thousandths { return b.stock[i].reorderQ })
		lines := g.purchaseOrder(o, b, sup, idx, qty, at, expected, true)
		for k, i := range idx {
			s := b.stock[i]
			s.openPO = true
			if expected.Before(g.now) {
				s.arrivals = append(s.arrivals, arrival{at: expected, poLine: lines[k], qty: qty[k], cost: g.costAt(o.parts[i], at)})
			}
		}
	}
}

func mapSlice[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// stockLevels writes the final stock of every branch and part.
func (g *Generator) stockLevels(o *org) {
	for _, b := range o.branches {
		for i, s := range b.stock {
			counted := g.now.AddDate(0, 0, -g.between(1, 60))
			g.row(tStockLevel, g.next(tStockLevel), o.id, b.id, o.parts[i].id, s.onHand, thousandths(0), s.reorderAt, s.reorderQ,
				s.avgCost, fmt.Sprintf("%c-%02d", 'A'+rune(i%6), i+1), counted, o.created, counted)
		}
	}
}
