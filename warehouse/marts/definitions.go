package marts

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"
)

// Definitions are the statements that define the marts as views computed
// from the mirror tables alone: the shared macros, then every
// mart_view view with its reads of other marts' tables (mart.X) turned
// into reads of their views (mart_view.X). Run in another catalogue whose
// core, workshop, … schemas hold views over the mirror (a role's views),
// they compute each mart from what those views show.
func Definitions() ([]string, error) {
	stmts, defs, err := loadDefs()
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, d := range defs {
		known[d.Name] = true
	}
	out := make([]string, 0, len(stmts))
	for _, st := range stmts {
		if strings.HasPrefix(strings.TrimSpace(stripComments(st)), "CREATE OR REPLACE VIEW") {
			st = refRE.ReplaceAllStringFunc(st, func(m string) string {
				r := refRE.FindStringSubmatch(m)
				if r[1] == "mart" && r[3] == "" && known[r[2]] {
					return "mart_view." + r[2]
				}
				return m
			})
		}
		out = append(out, st)
	}
	return out, nil
}

// Reads lists the marts the analytic reads (their tables mart.X), from its
// query, or for an analytic computed in Go, from its catalogue entry.
func (a Analytic) Reads() ([]string, error) {
	if a.compute != nil {
		return slices.Clone(a.reads), nil
	}
	q, err := analyticSQL(a.Name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range refRE.FindAllStringSubmatch(stripComments(q), -1) {
		if r[1] == "mart" && r[3] == "" && !slices.Contains(out, r[2]) {
			out = append(out, r[2])
		}
	}
	slices.Sort(out)
	return out, nil
}

// Probe is the analytic as a query over the mart views (mart_view.X) and
// mirror tables it reads, with sample arguments: run (or planned) in a
// catalogue of Definitions over a role's views, it binds exactly when
// every table and column the analytic reads is one the role may read. An
// analytic computed in Go probes every column of the marts it reads.
func (a Analytic) Probe() (string, []any, error) {
	_, defs, err := loadDefs()
	if err != nil {
		return "", nil, err
	}
	if a.compute != nil {
		froms := make([]string, len(a.reads))
		for i, r := range a.reads {
			froms[i] = "(SELECT * FROM mart_view." + r + " LIMIT 0)"
		}
		return "SELECT * FROM " + strings.Join(froms, ", "), nil, nil
	}
	to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q, args, err := a.Bind(Params{OrganisationID: 1, BranchIDs: []int64{1}, StaffID: 1, From: to.AddDate(-1, 0, 0), To: to})
	if err != nil {
		return "", nil, err
	}
	return toViews(q, defs), args, nil
}

// toViews turns a query's reads of mart tables (mart.X) into reads of
// their views (mart_view.X).
func toViews(q string, defs []martDef) string {
	known := map[string]bool{}
	for _, d := range defs {
		known[d.Name] = true
	}
	return refRE.ReplaceAllStringFunc(q, func(m string) string {
		r := refRE.FindStringSubmatch(m)
		if r[1] == "mart" && r[3] == "" && known[r[2]] {
			return "mart_view." + r[2]
		}
		return m
	})
}

// OverViews returns a Querier that reads the mart views (mart_view.X)
// wherever a query reads a mart table (mart.X). On a connection entered
// into a role's views (scope.Set.Enter), whose catalogue computes the
// marts from what the role may read (Definitions), an analytic run on it
// answers from exactly the rows PostgreSQL would show the role — the
// slow reference for the marts' answer.
func OverViews(q Querier) Querier { return viewQuerier{q} }

type viewQuerier struct{ q Querier }

func (v viewQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	_, defs, err := loadDefs()
	if err != nil {
		return nil, err
	}
	return v.q.QueryContext(ctx, toViews(query, defs), args...)
}

// Sources lists the mirror tables ("schema.table") the analytic computes
// from: those its marts read, through the marts they read, and those its
// query names itself; in order.
func (a Analytic) Sources() ([]string, error) {
	_, defs, err := loadDefs()
	if err != nil {
		return nil, err
	}
	reads, err := a.Reads()
	if err != nil {
		return nil, err
	}
	var out []string
	if a.compute == nil {
		q, err := analyticSQL(a.Name)
		if err != nil {
			return nil, err
		}
		for _, r := range refRE.FindAllStringSubmatch(stripComments(q), -1) {
			if r[3] == "" && slices.Contains(martSchemas, r[1]) {
				out = append(out, r[1]+"."+r[2])
			}
		}
	}
	seen := map[string]bool{}
	var walk func(name string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		i := slices.IndexFunc(defs, func(d martDef) bool { return d.Name == name })
		if i < 0 {
			return
		}
		out = append(out, defs[i].Sources...)
		for _, dep := range defs[i].Deps {
			walk(dep)
		}
	}
	for _, r := range reads {
		walk(r)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// StaffScoped reports whether the analytic limits its rows to one staff
// member when Params.StaffID is set (its query reads $staff).
func (a Analytic) StaffScoped() bool {
	if a.compute != nil {
		return false
	}
	q, err := analyticSQL(a.Name)
	return err == nil && slices.Contains(argNames(q), "staff")
}
