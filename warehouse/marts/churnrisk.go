package marts

import (
	"context"
)

// churnRisk is the churn rule as of `to`: a customer is at risk when the
// days since their last visit exceed 1.5 × the median interval between
// their visits — the shop-wide median of every customer's intervals for
// one-visit customers. A visit is a repair order opened for the customer
// or a ride they booked completed (not an invoice: a late-cancellation fee
// is no visit, warranty work is one), counted once per day, before `to`,
// in the caller's branches. In SQL terms:
//
//	v    = SELECT DISTINCT customer_id, day FROM mart.customer_visits WHERE … AND day < $to
//	gaps = day − lag(day) OVER (PARTITION BY customer_id ORDER BY day)
//	own  = count(*), median(gap), max(day) per customer;  shop = median(gap) over all
//
// It shares the churn model's reading of the visit histories (Arrow, no
// per-value boxing), which on 2 cores is several times faster than the
// window and per-customer median in DuckDB.
func churnRisk(ctx context.Context, q Querier, p Params) (*Table, error) {
	hist, err := visitHistories(ctx, q, p)
	if err != nil {
		return nil, err
	}
	toDay := epochDay(p.To)
	var shop any // NULL when nobody has two visits
	if g := allGaps(hist); len(g.gap) > 0 {
		shop = g.shopMedian(toDay)
	}
	t := &Table{Columns: []Column{{"customer_id", "BIGINT"}, {"visits", "BIGINT"}, {"last_visit", "DATE"},
		{"days_since_last_visit", "BIGINT"}, {"median_interval_days", "DOUBLE"}, {"uses_shop_median", "BOOLEAN"},
		{"churn_risk", "BOOLEAN"}}, Rows: make([][]any, 0, len(hist.ids))}
	var scratch []int32
	dates := dayStrings{}
	cells := make([]any, 7*len(hist.ids))
	for i, id := range hist.ids {
		days, _ := hist.visits(int32(i))
		if len(days) == 0 {
			continue
		}
		last := days[len(days)-1]
		since := int64(toDay - last)
		median, ownMedian := shop, len(days) >= 2
		if ownMedian {
			scratch = scratch[:0]
			for j := 1; j < len(days); j++ {
				scratch = append(scratch, days[j]-days[j-1])
			}
			median = medianInts(scratch)
		}
		var risk any
		if m, ok := median.(float64); ok {
			risk = float64(since) > 1.5*m
		}
		row := cells[:7:7] // one backing array for every row
		cells = cells[7:]
		row[0], row[1], row[2], row[3], row[4], row[5], row[6] = id, int64(len(days)), dates.get(last), since, median, !ownMedian, risk
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
