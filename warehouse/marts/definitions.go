package marts

import (
	"slices"
	"strings"
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
