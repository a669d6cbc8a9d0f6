package marts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
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
	query := `SELECT customer_id, max(day), count(DISTINCT day), sum(revenue) FROM mart.customer_invoices
		WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches)
		  AND day >= CAST($to AS DATE) - INTERVAL 24 MONTH AND day < $to
		GROUP BY 1`
	if len(p.BranchIDs) == 0 { // visits are distinct days already
		query = `SELECT customer_id, max(day), count(*), sum(revenue) FROM mart.customer_visits
		WHERE organisation_id = $org AND day >= CAST($to AS DATE) - INTERVAL 24 MONTH AND day < $to
		GROUP BY 1`
	}
	rows, err := q.QueryContext(ctx, query, namedArgs(p, argNames(query)...)...)
	if err != nil {
		return nil, fmt.Errorf("rfm: %w", err)
	}
	defer rows.Close()
	type cust struct {
		id         int64
		last       time.Time
		frequency  int64
		monetary   float64
		rq, fq, mq int64
	}
	var cs []cust
	for rows.Next() {
		var c cust
		if err := rows.Scan(&c.id, &c.last, &c.frequency, &c.monetary); err != nil {
			return nil, fmt.Errorf("rfm: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rfm: %w", err)
	}
	idx := make([]int, len(cs))
	rank := func(cmpKey func(a, b *cust) int, set func(c *cust, q int64)) {
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			if c := cmpKey(&cs[a], &cs[b]); c != 0 {
				return c
			}
			return cmp.Compare(cs[a].id, cs[b].id)
		})
		for pos, i := range idx {
			set(&cs[i], ntile(5, pos, len(idx)))
		}
	}
	rank(func(a, b *cust) int { return a.last.Compare(b.last) }, func(c *cust, q int64) { c.rq = q })
	rank(func(a, b *cust) int { return cmp.Compare(a.frequency, b.frequency) }, func(c *cust, q int64) { c.fq = q })
	rank(func(a, b *cust) int { return cmp.Compare(a.monetary, b.monetary) }, func(c *cust, q int64) { c.mq = q })
	slices.SortFunc(cs, func(a, b cust) int { return cmp.Compare(a.id, b.id) })
	to := p.To.UTC().Truncate(24 * time.Hour)
	t := &Table{Columns: []Column{{"customer_id", "BIGINT"}, {"last_visit", "DATE"}, {"recency_days", "BIGINT"},
		{"frequency", "BIGINT"}, {"monetary", "DOUBLE"}, {"recency_quintile", "BIGINT"},
		{"frequency_quintile", "BIGINT"}, {"monetary_quintile", "BIGINT"}}, Rows: make([][]any, len(cs))}
	for i, c := range cs {
		t.Rows[i] = []any{c.id, c.last.Format(time.DateOnly), int64(to.Sub(c.last.UTC()).Hours() / 24), c.frequency,
			JSONValue(c.monetary, "DOUBLE"), c.rq, c.fq, c.mq}
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
