package analyst

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/carcarehub/cch/warehouse/scope"
)

// Row policies and the marts.
//
// The marts are computed over every row of the mirror; an analytic then
// keeps the caller's organisation and branches (and, for a staff-scoped
// caller, the caller's own rows when its query reads $staff). That answer
// is what PostgreSQL would show the role only when the role's row policy
// on every table the analytic computes from admits exactly those rows: a
// conjunction of the tenant filter, the branch scope, and (for a
// staff-scoped analytic and caller) the own-rows filter, any permissive
// alternative being `true`. The policies come translated from the
// catalogue (scope.Rules), so a new policy narrowing a table closes the
// analytics reading it until they can apply it — nothing here names a
// table or a role's policy.

// rowPolicyGap returns why role's row policies keep the analytic's answer
// from matching what PostgreSQL would show it ("" when they do not): the
// first source table whose policy admits rows by more than the analytic
// filters on, with the policy as translated.
func rowPolicyGap(set *scope.Set, role string, a marts.Analytic) (string, error) {
	sources, err := a.Sources()
	if err != nil {
		return "", err
	}
	filters := map[string]string{}
	for _, v := range set.Views(role) {
		filters[v.Key()] = v.Filter
	}
	staff := a.StaffScoped() && staffScopedRole(role)
	for _, src := range sources {
		f, ok := filters[src]
		if !ok {
			return src + ": the role may not read it", nil
		}
		if !reducesToScope(f, staff) {
			return fmt.Sprintf("%s: its row policy for the role admits rows by more than organisation and branch (%s)", src, f), nil
		}
	}
	return "", nil
}

// staffScopedRole reports whether the analytics limit a role's callers to
// their own rows (Params.StaffID), as parseParams and the dashboards do.
func staffScopedRole(role string) bool { return role == marts.Technician }

var qualifierRE = regexp.MustCompile(`"[^"]+"\.`)

// scopeTerms are the filters the analytics apply themselves: the tenant,
// the branch scope and (staff) the caller's own rows.
var scopeTerms = map[string]bool{
	"true": true,
	"organisation_id = core.current_organisation_id()": true,
	"id = core.current_organisation_id()":              true,
	"core.in_branch_scope(branch_id)":                  true,
}

const staffTerm = "staff_id = core.current_staff_id()"

// reducesToScope reports whether a translated row filter is a conjunction
// of scope terms, an alternative (OR) counting as true when one of its
// branches is plainly true.
func reducesToScope(filter string, staff bool) bool {
	f := strings.Join(strings.Fields(qualifierRE.ReplaceAllString(filter, "")), " ")
	for _, c := range splitTopLevel(unwrap(f), " AND ") {
		c = unwrap(c)
		if alts := splitTopLevel(c, " OR "); len(alts) > 1 {
			ok := false
			for _, alt := range alts {
				ok = ok || unwrap(alt) == "true"
			}
			if !ok {
				return false
			}
			continue
		}
		if !scopeTerms[c] && !(staff && c == staffTerm) {
			return false
		}
	}
	return true
}

// unwrap strips parentheses enclosing the whole of s.
func unwrap(s string) string {
	for {
		s = strings.TrimSpace(s)
		if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
			return s
		}
		depth := 0
		for i, r := range s {
			if r == '(' {
				depth++
			} else if r == ')' {
				depth--
				if depth == 0 && i != len(s)-1 {
					return s // "(a) AND (b)": the first group closes early
				}
			}
		}
		s = s[1 : len(s)-1]
	}
}

// splitTopLevel splits s at sep (case-insensitive) outside parentheses
// and quotes.
func splitTopLevel(s, sep string) []string {
	var parts []string
	depth, start, quoted := 0, 0, false
	upper := strings.ToUpper(s)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(upper[i:], sep):
			parts = append(parts, s[start:i])
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(parts, s[start:])
}
