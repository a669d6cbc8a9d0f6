package marts

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
)

// Resident visit histories.
//
// The customer analytics (churn_risk, rfm, rfm_segments, churn_model) all
// start from every customer's visits, mart.customer_visits. A running
// Refresher keeps them in memory as well, reloaded inside the refresh
// transaction that rebuilds customer_visits and published with that
// refresh's position — materialised like the mart tables, only in memory
// (a few MiB for 24 months of a 4-branch group). An analytic run on the
// refresher's *sql.DB reads them from there (cut at its `to`) instead of
// scanning the table, for the whole organisation or any set of its
// branches: each visit keeps its branch, and a branch-scoped caller's
// histories are picked from them in memory (kept for the next caller
// naming the same branches). Any other Querier (an analyst's
// transaction, marts.Install without a Refresher) reads the table. Both
// paths give the same histories, which the tests check.

// residentMart is the mart the resident histories are a copy of.
const residentMart = "customer_visits"

// residents maps a Refresher's *sql.DB to its *residentSet.
var residents sync.Map

// residentSet is every organisation's visit histories, without a `to`
// bound.
type residentSet struct {
	byOrg map[int64]*residentOrg
}

// maxScopedHistories bounds the branch sets whose histories one
// organisation keeps (a group has a handful of branches, callers name a
// few combinations of them).
const maxScopedHistories = 32

// residentOrg is one organisation's visits: per branch as read, merged
// for the whole organisation, and merged for the branch sets asked so far.
type residentOrg struct {
	visits   *branchVisits
	all      *histories
	branches []int64 // every branch with a visit, in order

	mu     sync.Mutex
	scoped map[string]*histories // by the branch set, as scopeKey spells it
}

// loadResident reads every organisation's visits on conn (inside the
// refresh transaction, so it sees the customer_visits just rebuilt).
func loadResident(ctx context.Context, conn *sql.Conn) (*residentSet, error) {
	rows, err := conn.QueryContext(ctx, "SELECT DISTINCT organisation_id FROM mart.customer_visits ORDER BY 1")
	if err != nil {
		return nil, fmt.Errorf("resident histories: %w", err)
	}
	var orgs []int64
	for rows.Next() {
		var org int64
		if err := rows.Scan(&org); err != nil {
			rows.Close()
			return nil, fmt.Errorf("resident histories: %w", err)
		}
		orgs = append(orgs, org)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("resident histories: %w", err)
	}
	set := &residentSet{byOrg: make(map[int64]*residentOrg, len(orgs))}
	for _, org := range orgs {
		v, err := readVisits(ctx, conn, org, nil, "")
		if err != nil {
			return nil, err
		}
		set.byOrg[org] = &residentOrg{visits: v, all: v.histories(nil), branches: v.branchesOf(), scoped: map[string]*histories{}}
	}
	return set, nil
}

// forBranches returns the histories of the visits at the given branches
// (every branch when empty): the organisation's own when they name every
// branch with a visit, else picked from the visits once per branch set.
func (o *residentOrg) forBranches(branches []int64) *histories {
	if len(branches) == 0 || !slices.ContainsFunc(o.branches, func(b int64) bool { return !slices.Contains(branches, b) }) {
		return o.all
	}
	key := scopeKey(branches)
	o.mu.Lock()
	defer o.mu.Unlock()
	if h := o.scoped[key]; h != nil {
		return h
	}
	h := o.visits.histories(func(b int64) bool { return slices.Contains(branches, b) })
	if len(o.scoped) < maxScopedHistories {
		o.scoped[key] = h
	}
	return h
}

// scopeKey spells a set of branches the same whatever their order or
// repetition.
func scopeKey(branches []int64) string {
	s := slices.Clone(branches)
	slices.Sort(s)
	return fmt.Sprint(slices.Compact(s))
}

// Resident reports whether the refresher holds the visit histories in
// memory (after its first refresh).
func (r *Refresher) Resident() bool { return r.residentDB() != nil }

// residentDB returns the set published for the refresher's database, or
// nil before the first load.
func (r *Refresher) residentDB() *residentSet {
	v, _ := residents.Load(r.cfg.DB)
	set, _ := v.(*residentSet)
	return set
}

// residentHistories returns the histories p asks for from the resident
// copy, when q is a Refresher's database and the copy has been loaded.
func residentHistories(q Querier, p Params) (*histories, bool) {
	db, ok := q.(*sql.DB)
	if !ok {
		return nil, false
	}
	v, ok := residents.Load(db)
	if !ok {
		return nil, false
	}
	o := v.(*residentSet).byOrg[p.OrganisationID]
	if o == nil {
		return &histories{start: []int32{0}}, true // no visits at all
	}
	// day < $to as the query compares them: the calendar date of `to`,
	// a time of day dropped.
	return o.forBranches(p.BranchIDs).before(epochDay(p.To)), true
}

// before returns the visits before day cut; customers without one are
// left out, as the query leaves them out. When every visit is before cut
// (a `to` of today or later, the dashboards' default) it is h itself: the
// histories are read-only once loaded.
func (h *histories) before(cut int32) *histories {
	if !slices.ContainsFunc(h.days, func(d int32) bool { return d >= cut }) {
		return h
	}
	out := &histories{ids: make([]int64, 0, len(h.ids)), start: make([]int32, 0, len(h.ids)+1),
		days: make([]int32, 0, len(h.days)), revenue: make([]float64, 0, len(h.revenue))}
	for i, id := range h.ids {
		days, revs := h.visits(int32(i))
		k, _ := slices.BinarySearch(days, cut)
		if k == 0 {
			continue
		}
		out.ids, out.start = append(out.ids, id), append(out.start, int32(len(out.days)))
		out.days, out.revenue = append(out.days, days[:k]...), append(out.revenue, revs[:k]...)
	}
	out.start = append(out.start, int32(len(out.days)))
	return out
}
