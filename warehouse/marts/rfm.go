package marts

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// rfm is recency, frequency and monetary value over the 24 months before
// `to` per customer, each ranked into quintiles — NTILE(5) over the value
// with the customer id breaking ties, quintile 5 best (most recent, most
// frequent, highest revenue):
//
//	recency_quintile   = ntile(5) OVER (ORDER BY last_visit, customer_id)
//	frequency_quintile = ntile(5) OVER (ORDER BY frequency, customer_id)
//	monetary_quintile  = ntile(5) OVER (ORDER BY monetary, customer_id)
//
// The aggregates come from DuckDB; the three rankings are sorted here,
// which on 2 cores is several times faster than three window sorts.
func rfm(ctx context.Context, q Querier, p Params) (*Table, error) {
	query := `SELECT customer_id, CAST(date_diff('day', DATE '1970-01-01', max(day)) AS INTEGER), count(DISTINCT day), sum(revenue)
		FROM mart.customer_invoices
		WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches)
		  AND day >= CAST($to AS DATE) - INTERVAL 24 MONTH AND day < $to
		GROUP BY 1 ORDER BY 1`
	if len(p.BranchIDs) == 0 { // visits are distinct days already
		query = `SELECT customer_id, CAST(date_diff('day', DATE '1970-01-01', max(day)) AS INTEGER), count(*), sum(revenue)
		FROM mart.customer_visits
		WHERE organisation_id = $org AND day >= CAST($to AS DATE) - INTERVAL 24 MONTH AND day < $to
		GROUP BY 1 ORDER BY 1`
	}
	var (
		ids       []int64
		last      []int32 // day numbers
		frequency []int64
		monetary  []float64
	)
	add := func(id int64, d int32, f int64, m float64) {
		ids, last, frequency, monetary = append(ids, id), append(last, d), append(frequency, f), append(monetary, m)
	}
	args := namedArgs(p, argNames(query)...)
	ok, err := arrowRecords(ctx, q, query, args, func(rec arrow.RecordBatch) error {
		c0, ok0 := rec.Column(0).(*array.Int64)
		c1, ok1 := rec.Column(1).(*array.Int32)
		c2, ok2 := rec.Column(2).(*array.Int64)
		c3, ok3 := rec.Column(3).(*array.Float64)
		if !ok0 || !ok1 || !ok2 || !ok3 {
			return fmt.Errorf("unexpected column types %s", rec.Schema())
		}
		for i := range int(rec.NumRows()) {
			add(c0.Value(i), c1.Value(i), c2.Value(i), c3.Value(i))
		}
		return nil
	})
	if !ok {
		err = scanRows(ctx, q, query, args, func(rows *sql.Rows) error {
			var id, f int64
			var d int32
			var m float64
			if err := rows.Scan(&id, &d, &f, &m); err != nil {
				return err
			}
			add(id, d, f, m)
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("rfm: %w", err)
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
	toDay := epochDay(p.To)
	t := &Table{Columns: []Column{{"customer_id", "BIGINT"}, {"last_visit", "DATE"}, {"recency_days", "BIGINT"},
		{"frequency", "BIGINT"}, {"monetary", "DOUBLE"}, {"recency_quintile", "BIGINT"},
		{"frequency_quintile", "BIGINT"}, {"monetary_quintile", "BIGINT"}}, Rows: make([][]any, n)}
	for i := range n {
		t.Rows[i] = []any{ids[i], time.Unix(int64(last[i])*86400, 0).UTC().Format(time.DateOnly), int64(toDay - last[i]),
			frequency[i], JSONValue(monetary[i], "DOUBLE"), rq[i], fq[i], mq[i]}
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

// scanRows runs query and calls fn on each row.
func scanRows(ctx context.Context, q Querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
