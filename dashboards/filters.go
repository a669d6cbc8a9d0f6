package dashboards

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
)

// periods are the choices of the period filter, in months.
var periods = []periodChoice{{"3m", "Last 3 months", 3}, {"12m", "Last 12 months", 12}, {"24m", "Last 24 months", 24}}

type periodChoice struct {
	Key    string
	Label  string
	Months int
}

const defaultPeriod = "12m"

// filters are a page's URL query: ?branch=ID&period=12m&to=YYYY-MM-DD.
type filters struct {
	Branch int64     // 0: every branch the viewer may see
	Period string    // a key of periods
	To     time.Time // exclusive end (a date); default tomorrow
}

// errFilter is a bad filter value (HTTP 400).
type errFilter struct{ msg string }

func (e errFilter) Error() string { return e.msg }

func parseFilters(q url.Values, p oltp.Principal, now time.Time) (filters, error) {
	f := filters{Period: q.Get("period"), To: now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)}
	if f.Period == "" {
		f.Period = defaultPeriod
	}
	if !slices.ContainsFunc(periods, func(x periodChoice) bool { return x.Key == f.Period }) {
		return f, errFilter{fmt.Sprintf("period %q: want 3m, 12m or 24m", f.Period)}
	}
	if s := q.Get("branch"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return f, errFilter{"branch must be a branch id"}
		}
		if len(p.BranchIDs) > 0 && !slices.Contains(p.BranchIDs, id) {
			return f, errFilter{"branch " + s + " is outside your branches"}
		}
		f.Branch = id
	}
	if s := q.Get("to"); s != "" {
		t, err := oltp.ParseDate("to", s)
		if err != nil {
			return f, errFilter{err.(*oltp.Error).Detail}
		}
		f.To = t
	}
	return f, nil
}

func (f filters) months() int {
	for _, p := range periods {
		if p.Key == f.Period {
			return p.Months
		}
	}
	return 12
}

// query is the filters as a URL query (defaults left out).
func (f filters) query(now time.Time) url.Values {
	q := url.Values{}
	if f.Branch != 0 {
		q.Set("branch", strconv.FormatInt(f.Branch, 10))
	}
	if f.Period != defaultPeriod {
		q.Set("period", f.Period)
	}
	if !f.To.Equal(now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)) {
		q.Set("to", f.To.Format(time.DateOnly))
	}
	return q
}

// params scopes an analytic to the viewer: organisation, branches, and a
// technician's own rows.
func (f filters) params(p oltp.Principal, grain string, window func(time.Time) (time.Time, time.Time)) marts.Params {
	mp := marts.Params{OrganisationID: p.OrganisationID, BranchIDs: p.BranchIDs, Granularity: grain,
		From: f.To.AddDate(0, -f.months(), 0), To: f.To}
	if window != nil {
		mp.From, mp.To = window(f.To)
	}
	if f.Branch != 0 {
		mp.BranchIDs = []int64{f.Branch}
	}
	if p.Role == marts.Technician {
		mp.StaffID = p.StaffID
	}
	return mp
}
