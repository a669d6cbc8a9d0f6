package datagen

import "time"

// refundShare is the share of paid workshop invoices refunded by a credit
// note.
const refundShare = 0.015

// refundReasons are why a paid workshop invoice is refunded, with the
// share of its net refunded (lo..hi percent; 100 is a full refund).
var refundReasons = []struct {
	reason string
	lo, hi int
}{
	{"Goodwill gesture: car not ready on the promised day", 10, 30},
	{"Goodwill refund after a customer complaint", 10, 50},
	{"Pricing error: labour charged above the quoted price", 5, 25},
	{"Pricing error: parts charged at the wrong price", 5, 20},
	{"Comeback: fault returned, original repair refunded", 50, 100},
	{"Comeback: work not carried out correctly, refunded in full", 100, 100},
}

// refund issues, for a small share of fully paid workshop invoices, a
// credit note a few days after the last payment: part or all of the net,
// tax credited in the invoice's proportion (as the credit-note endpoint
// does), so it never exceeds the invoice's net nor what was paid. It draws
// from its own random stream.
func (g *Generator) refund(o *org, b *branch, invoice int64, net, tax money, paidAt time.Time) {
	r := g.refunds
	if r.Float64() >= refundShare || net <= 0 {
		return
	}
	why := refundReasons[r.IntN(len(refundReasons))]
	at := paidAt.Add(time.Duration(24+r.IntN(9*24)) * time.Hour).Add(minutes(r.IntN(60)))
	if !at.Before(g.now) {
		return
	}
	pct := why.lo + r.IntN(why.hi-why.lo+1)
	cn := net
	if pct < 100 {
		cn = max(1, mulRate(net, float64(pct)/100))
	}
	ct := tax
	if cn < net {
		ct = mulRate(tax, float64(cn)/float64(net))
	}
	g.row(tCreditNote, g.next(tCreditNote), o.id, b.id, invoice, cn, ct, cn+ct, why.reason, at, at, at)
}
