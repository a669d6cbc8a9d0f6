package marts

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Customer visits.
//
// A visit is a repair order opened for the customer or a ride they booked
// completed, on the branch's local day (mart.customer_visits, one row per
// customer, day and branch). The customer analytics see one visit per
// customer and day in the caller's branches: a customer seen at two of
// them on one day visited once that day, with the revenue of both.

// histories holds every customer's visit days (days since 1970-01-01, in
// order) and revenue per visit, flat: customer i's visits are
// days[start[i]:start[i+1]].
type histories struct {
	ids     []int64 // in order
	start   []int32 // len(ids)+1
	days    []int32
	revenue []float64
}

// visits returns customer i's visit days and revenues.
func (h *histories) visits(i int32) ([]int32, []float64) {
	a, b := h.start[i], h.start[i+1]
	return h.days[a:b], h.revenue[a:b]
}

// branchVisits is mart.customer_visits as read, one entry per customer,
// day and branch, in that order: the histories before they are merged
// per day, so that any set of branches can be picked from them.
type branchVisits struct {
	customer []int64
	day      []int32
	branch   []int64
	revenue  []float64
}

// ordered reports whether the rows came in customer, day, branch order.
func (v *branchVisits) ordered() bool {
	for i := 1; i < len(v.customer); i++ {
		a, b := i-1, i
		switch {
		case v.customer[a] != v.customer[b]:
			if v.customer[a] > v.customer[b] {
				return false
			}
		case v.day[a] != v.day[b]:
			if v.day[a] > v.day[b] {
				return false
			}
		case v.branch[a] >= v.branch[b]:
			return false
		}
	}
	return true
}

// histories merges the visits at the branches keep accepts (nil: every
// branch) into one visit per customer and day, summing the revenue in
// branch order: every path to the histories sums the same way, so they
// agree to the last bit.
func (v *branchVisits) histories(keep func(branch int64) bool) *histories {
	h := &histories{}
	for i := range v.customer {
		if keep != nil && !keep(v.branch[i]) {
			continue
		}
		c, d := v.customer[i], v.day[i]
		if n := len(h.ids); n == 0 || h.ids[n-1] != c {
			h.ids, h.start = append(h.ids, c), append(h.start, int32(len(h.days)))
		} else if h.days[len(h.days)-1] == d {
			h.revenue[len(h.revenue)-1] += v.revenue[i]
			continue
		}
		h.days, h.revenue = append(h.days, d), append(h.revenue, v.revenue[i])
	}
	h.start = append(h.start, int32(len(h.days)))
	return h
}

// branchesOf lists the distinct branches of the visits, in order.
func (v *branchVisits) branchesOf() []int64 {
	out := slices.Clone(v.branch)
	slices.Sort(out)
	return slices.Compact(out)
}

// readHistories reads every customer's visits before To in the caller's
// branches from mart.customer_visits.
func readHistories(ctx context.Context, q Querier, p Params) (*histories, error) {
	v, err := readVisits(ctx, q, p.OrganisationID, p.BranchIDs, civil(p.To))
	if err != nil {
		return nil, err
	}
	return v.histories(nil), nil
}

// readVisits reads the organisation's visits before the date to (all when
// empty) at branches (every branch when empty), in customer, day, branch
// order. The mart is stored in that order, which a scan returns as it is
// (DuckDB's preserve_insertion_order, on by default): no sort, unless the
// order read does not hold.
func readVisits(ctx context.Context, q Querier, org int64, branches []int64, to string) (*branchVisits, error) {
	query := `SELECT customer_id, CAST(date_diff('day', DATE '1970-01-01', day) AS INTEGER), branch_id, revenue
		FROM mart.customer_visits WHERE organisation_id = ` + strconv.FormatInt(org, 10)
	if to != "" {
		query += " AND day < DATE '" + to + "'"
	}
	if len(branches) > 0 {
		// Literal ids (integers) keep the query on the Arrow path, which
		// takes no list arguments.
		ids := make([]string, len(branches))
		for i, b := range branches {
			ids[i] = strconv.FormatInt(b, 10)
		}
		query += " AND branch_id IN (" + strings.Join(ids, ", ") + ")"
	}
	v := &branchVisits{}
	if err := scanVisits(ctx, q, query, v); err != nil {
		return nil, fmt.Errorf("visit histories: %w", err)
	}
	if v.ordered() {
		return v, nil
	}
	v = &branchVisits{}
	if err := scanVisits(ctx, q, query+" ORDER BY customer_id, day, branch_id", v); err != nil {
		return nil, fmt.Errorf("visit histories: %w", err)
	}
	return v, nil
}

// scanVisits runs query (customer BIGINT, day INTEGER, branch BIGINT,
// revenue DOUBLE; no NULLs) into v.
func scanVisits(ctx context.Context, q Querier, query string, v *branchVisits) error {
	ok, err := arrowRecords(ctx, q, query, nil, func(rec arrow.RecordBatch) error {
		ids, idOK := rec.Column(0).(*array.Int64)
		days, dayOK := rec.Column(1).(*array.Int32)
		branches, branchOK := rec.Column(2).(*array.Int64)
		revs, revOK := rec.Column(3).(*array.Float64)
		if !idOK || !dayOK || !branchOK || !revOK {
			return fmt.Errorf("visits: unexpected column types %s", rec.Schema())
		}
		// Whole columns at once: no value is NULL.
		v.customer = append(v.customer, ids.Int64Values()...)
		v.day = append(v.day, days.Int32Values()...)
		v.branch = append(v.branch, branches.Int64Values()...)
		v.revenue = append(v.revenue, revs.Float64Values()...)
		return nil
	})
	if ok {
		return err
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c, b int64
		var day int32
		var rev float64
		if err := rows.Scan(&c, &day, &b, &rev); err != nil {
			return err
		}
		v.customer, v.day, v.branch, v.revenue = append(v.customer, c), append(v.day, day), append(v.branch, b), append(v.revenue, rev)
	}
	return rows.Err()
}
