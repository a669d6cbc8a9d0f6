package marts

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// rfm is recency, frequency and monetary value over the 24 months before
// `to` per customer — the last visit, the number of visits (repair orders
// opened or rides completed, once per day; see customer_visits) and the
// net revenue invoiced on those visits — each ranked into quintiles by
// NTILE(5) over the value with the customer id breaking ties, quintile 5
// best (most recent, most frequent, highest revenue):
//
//	recency_quintile   = ntile(5) OVER (ORDER BY last_visit, customer_id)
//	frequency_quintile = ntile(5) OVER (ORDER BY frequency, customer_id)
//	monetary_quintile  = ntile(5) OVER (ORDER BY monetary, customer_id)
//
// It reads the visit histories the churn analytics read (shared within a
// dashboard render, see WithMemo) and ranks here: on 2 cores several
// times faster than three window sorts in DuckDB.
//
// rfmRanks is every customer with a visit in the 24 months before `to`,
// in customer order, with their recency, frequency and monetary quintiles.
type rfmRanks struct {
	ids        []int64
	last       []int32 // day numbers
	frequency  []int64
	monetary   []float64
	rq, fq, mq []int64
}

func rankRFM(ctx context.Context, q Querier, p Params) (*rfmRanks, error) {
	hist, err := visitHistories(ctx, q, p)
	if err != nil {
		return nil, err
	}
	// The 24 months before `to`, as DuckDB's DATE - INTERVAL 24 MONTH
	// (the day clamped to the month's end: 29 Feb -> 28 Feb).
	from := epochDay(monthsBefore(p.To, 24))
	var (
		ids       []int64
		last      []int32 // day numbers
		frequency []int64
		monetary  []float64
	)
	for i, id := range hist.ids {
		days, revs := hist.visits(int32(i))
		k, _ := slices.BinarySearch(days, from)
		if k == len(days) {
			continue
		}
		m := 0.0
		for _, r := range revs[k:] {
			m += r
		}
		// Money in whole cents: summing doubles leaves noise in the last
		// bits, which must not decide the order of two equal amounts.
		m = cents(m)
		ids, last, frequency, monetary = append(ids, id), append(last, days[len(days)-1]), append(frequency, int64(len(days)-k)), append(monetary, m)
	}
	// Rows arrive in customer order, so a stable sort by the value alone
	// breaks ties by customer id: counting sorts for the small integer
	// ranges, a sort for money.
	n := len(ids)
	rq := quintiles(countingOrder(n, func(i int) int64 { return int64(last[i]) }))
	fq := quintiles(countingOrder(n, func(i int) int64 { return frequency[i] }))
	byMoney := make([]int32, n)
	for i := range byMoney {
		byMoney[i] = int32(i)
	}
	slices.SortFunc(byMoney, func(a, b int32) int {
		if c := cmp.Compare(monetary[a], monetary[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	mq := quintiles(byMoney)
	return &rfmRanks{ids: ids, last: last, frequency: frequency, monetary: monetary, rq: rq, fq: fq, mq: mq}, nil
}

func rfm(ctx context.Context, q Querier, p Params) (*Table, error) {
	r, err := rankRFM(ctx, q, p)
	if err != nil {
		return nil, fmt.Errorf("rfm: %w", err)
	}
	ids, last, frequency, monetary, rq, fq, mq := r.ids, r.last, r.frequency, r.monetary, r.rq, r.fq, r.mq
	n := len(ids)
	toDay := epochDay(p.To)
	t := &Table{Columns: []Column{{"customer_id", "BIGINT"}, {"last_visit", "DATE"}, {"recency_days", "BIGINT"},
		{"frequency", "BIGINT"}, {"monetary", "DOUBLE"}, {"recency_quintile", "BIGINT"},
		{"frequency_quintile", "BIGINT"}, {"monetary_quintile", "BIGINT"}}, Rows: make([][]any, n)}
	dates := dayStrings{}
	cells := make([]any, 8*n) // one backing array for every row
	for i := range n {
		row := cells[8*i : 8*i+8 : 8*i+8]
		row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = ids[i], dates.get(last[i]), int64(toDay-last[i]),
			frequency[i], JSONValue(monetary[i], "DOUBLE"), rq[i], fq[i], mq[i]
		t.Rows[i] = row
	}
	return t, nil
}

// countingOrder returns the indexes 0..n-1 stably sorted by key, which
// must span a small range (days, visit counts); it falls back to a
// stable sort when the range is wide.
func countingOrder(n int, key func(int) int64) []int32 {
	order := make([]int32, n)
	if n == 0 {
		return order
	}
	lo, hi := key(0), key(0)
	for i := range n {
		lo, hi = min(lo, key(i)), max(hi, key(i))
	}
	if hi-lo > 1<<20 {
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(key(int(a)), key(int(b))) })
		return order
	}
	start := make([]int, hi-lo+2)
	for i := range n {
		start[key(i)-lo+1]++
	}
	for v := 1; v < len(start); v++ {
		start[v] += start[v-1]
	}
	for i := range n {
		k := key(i) - lo
		order[start[k]] = int32(i)
		start[k]++
	}
	return order
}

// quintiles maps each index to its NTILE(5) bucket given the indexes in
// ranking order.
func quintiles(order []int32) []int64 {
	q := make([]int64, len(order))
	for pos, i := range order {
		q[i] = ntile(5, pos, len(order))
	}
	return q
}

// rfmSegments counts the customers of each recency × frequency quintile
// cell of rfm (the RFM segments), with their revenue and averages:
//
//	SELECT recency_quintile, frequency_quintile, count(*) AS customers, sum(monetary) AS monetary,
//	       avg(monetary) AS avg_monetary, avg(recency_days) AS avg_recency_days, avg(frequency) AS avg_frequency
//	FROM rfm GROUP BY 1, 2 ORDER BY 1, 2
func rfmSegments(ctx context.Context, q Querier, p Params) (*Table, error) {
	r, err := rankRFM(ctx, q, p)
	if err != nil {
		return nil, fmt.Errorf("rfm_segments: %w", err)
	}
	type cell struct {
		n                  int64
		money, days, freqs float64
	}
	var cells [5][5]cell
	toDay := epochDay(p.To)
	for i := range r.ids {
		c := &cells[r.rq[i]-1][r.fq[i]-1]
		c.n++
		c.money += r.monetary[i]
		c.days += float64(toDay - r.last[i])
		c.freqs += float64(r.frequency[i])
	}
	t := &Table{Columns: []Column{{"recency_quintile", "BIGINT"}, {"frequency_quintile", "BIGINT"}, {"customers", "BIGINT"},
		{"monetary", "DOUBLE"}, {"avg_monetary", "DOUBLE"}, {"avg_recency_days", "DOUBLE"}, {"avg_frequency", "DOUBLE"}}, Rows: [][]any{}}
	for rq := range 5 {
		for fq := range 5 {
			c := cells[rq][fq]
			if c.n == 0 {
				continue
			}
			n := float64(c.n)
			t.Rows = append(t.Rows, []any{int64(rq + 1), int64(fq + 1), c.n, cents(c.money), c.money / n, c.days / n, c.freqs / n})
		}
	}
	return t, nil
}

// ntile is SQL's NTILE(n) for the row at 0-based position pos of rows:
// bucket sizes differ by at most one, the larger buckets first.
func ntile(n, pos, rows int) int64 {
	q, r := rows/n, rows%n
	if pos < r*(q+1) {
		return int64(pos/(q+1) + 1)
	}
	return int64(r + (pos-r*(q+1))/q + 1)
}

// argNames lists the named parameters query uses, in order of first use.
func argNames(query string) []string {
	var names []string
	for _, m := range paramRE.FindAllStringSubmatch(query, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	return names
}

// daysIn is the number of days in the month of t.
func daysIn(t time.Time) int {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// cents rounds money to whole cents (sums of doubles carry noise).
func cents(v float64) float64 { return math.Round(v*100) / 100 }

// monthsBefore is DuckDB's DATE - INTERVAL n MONTH: the same day n months
// earlier, clamped to the end of a shorter month.
func monthsBefore(t time.Time, n int) time.Time {
	t = t.UTC()
	first := time.Date(t.Year(), t.Month()-time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	return first.AddDate(0, 0, min(t.Day(), daysIn(first))-1)
}
