package marts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Granularities are the periods time-series analytics group by.
var Granularities = []string{"day", "week", "month", "quarter", "year"}

// Params filter an analytic.
type Params struct {
	OrganisationID int64   // tenant; required
	BranchIDs      []int64 // empty: every branch of the organisation
	From, To       time.Time
	Granularity    string // one of Granularities; default month
	// StaffID, when not zero, limits staff-level analytics to that person
	// (technicians see their own rows).
	StaffID int64
}

// ErrInvalid marks a parameter problem (HTTP 400).
var ErrInvalid = errors.New("invalid analytic parameters")

func (p *Params) normalise() error {
	if p.OrganisationID == 0 {
		return fmt.Errorf("%w: organisation required", ErrInvalid)
	}
	if p.Granularity == "" {
		p.Granularity = "month"
	}
	if !slices.Contains(Granularities, p.Granularity) {
		return fmt.Errorf("%w: granularity %q: want one of %v", ErrInvalid, p.Granularity, Granularities)
	}
	if p.To.IsZero() {
		p.To = time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	}
	if p.From.IsZero() {
		p.From = p.To.AddDate(-1, 0, 0)
	}
	if !p.From.Before(p.To) {
		return fmt.Errorf("%w: from must be before to", ErrInvalid)
	}
	if p.BranchIDs == nil {
		p.BranchIDs = []int64{}
	}
	return nil
}

var paramRE = regexp.MustCompile(`\$([a-z]+)`)

// Bind returns the analytic's SQL and its named arguments; only the
// parameters the query uses are passed.
func (a Analytic) Bind(p Params) (string, []any, error) {
	if err := p.normalise(); err != nil {
		return "", nil, err
	}
	query, err := analyticSQL(a.Name)
	if err != nil {
		return "", nil, err
	}
	query = scopeBranches(query, p.BranchIDs)
	var names []string
	for _, m := range paramRE.FindAllStringSubmatch(query, -1) {
		if !slices.Contains(paramNames, m[1]) {
			return "", nil, fmt.Errorf("analytic %s: unknown parameter $%s", a.Name, m[1])
		}
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	return query, namedArgs(p, names...), nil
}

// inScopeRE matches the branch filter of an analytic's query.
var inScopeRE = regexp.MustCompile(`mart\.in_scope\(([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?), \$branches\)`)

// scopeBranches writes the branch filter mart.in_scope(col, $branches)
// out for the branches given: true for every branch, else col IN (the
// ids). A list of constants is a filter DuckDB pushes into the scan of
// the mart (zone maps skip other branches' row groups); a list parameter
// is tested row by row after it.
func scopeBranches(query string, branches []int64) string {
	if len(branches) == 0 {
		return inScopeRE.ReplaceAllString(query, "true")
	}
	ids := make([]string, len(branches))
	for i, b := range branches {
		ids[i] = strconv.FormatInt(b, 10)
	}
	return inScopeRE.ReplaceAllString(query, "($1 IN ("+strings.Join(ids, ", ")+"))")
}

// paramNames are the named parameters analytics may use.
var paramNames = []string{"org", "branches", "grain", "staff", "from", "to"}

// namedArgs returns the named arguments of p for the given names.
func namedArgs(p Params, names ...string) []any {
	var staff any
	if p.StaffID != 0 {
		staff = p.StaffID
	}
	all := map[string]any{
		"org": p.OrganisationID, "branches": p.BranchIDs, "grain": p.Granularity, "staff": staff,
		"from": civil(p.From), "to": civil(p.To),
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = sql.Named(n, all[n])
	}
	return args
}

// civil is the calendar date of t as a DATE literal DuckDB casts exactly.
func civil(t time.Time) string { return t.Format(time.DateOnly) }

// Querier runs a query: a *sql.DB, *sql.Conn or *sql.Tx of DuckDB.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Run runs the analytic and reads at most limit rows (0: no limit).
func Run(ctx context.Context, q Querier, a Analytic, p Params, limit int) (*Table, error) {
	if a.compute != nil {
		if err := p.normalise(); err != nil {
			return nil, err
		}
		t, err := a.compute(ctx, q, p)
		if err != nil {
			return nil, fmt.Errorf("analytic %s: %w", a.Name, err)
		}
		return t, nil
	}
	query, args, err := a.Bind(p)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("analytic %s: %w", a.Name, err)
	}
	defer rows.Close()
	t, err := ReadTable(rows, limit)
	if err != nil {
		return nil, fmt.Errorf("analytic %s: %w", a.Name, err)
	}
	return t, nil
}
