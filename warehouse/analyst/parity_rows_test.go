package analyst_test

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/carcarehub/cch/warehouse/scope"
)

// testAnalyticsFollowRowPolicies checks every analytic GET
// /v1/analytics/{name} answers each caller against the same analytic
// computed through the caller's own views — the marts built from exactly
// the rows PostgreSQL's row-level security shows the caller's role, with
// the request context (organisation, branches, staff) set as the API sets
// it. An analytic served from the marts must answer row for row what the
// views answer; one the marts cannot answer for the role (a row policy
// narrower than organisation and branch on a table it reads) must be
// refused with a problem naming the reason. So a receptionist's or a
// technician's analytics never count rows their row policies hide.
func testAnalyticsFollowRowPolicies(t *testing.T, s *seeded) {
	var compared, refused int
	for _, name := range s.callerNames() {
		p := s.callers[name]
		for _, a := range marts.Catalog() {
			r := s.get(name, "/v1/analytics/"+a.Name)
			switch r.status {
			case 403:
				if !strings.Contains(r.header.Get("Content-Type"), "problem") || !strings.Contains(string(r.body), "may not read") {
					t.Errorf("%s %s: 403 without a problem naming the reason: %s", name, a.Name, r.body)
				}
				if a.Allows(p.Role) {
					refused++
					s.assertRefusalHolds(t, name, a, string(r.body))
				}
				continue
			case 200:
			default:
				t.Errorf("%s %s: %d %.300s", name, a.Name, r.status, r.body)
				continue
			}
			want, err := s.throughViews(p, a)
			if err != nil {
				t.Errorf("%s %s: served, but its role's views cannot compute it: %v", name, a.Name, err)
				continue
			}
			wb, err := json.Marshal(want) // as the server writes a table
			if err != nil {
				t.Fatal(err)
			}
			g, w := canonicalRows(t, r.body), canonicalRows(t, wb)
			if !slices.Equal(g, w) {
				t.Errorf("%s %s: the marts answer %d rows, the role's views %d; first differences:\n%s",
					name, a.Name, len(g), len(w), firstDifferences(g, w))
			}
			compared++
		}
	}
	t.Logf("%d answers compared with the callers' views; %d analytics the catalogue offers refused by row policy or grants", compared, refused)
	if compared == 0 {
		t.Fatal("no analytic answered: the check tells nothing")
	}
	// The ride KPIs need no money: their mart carries none, so the pay the
	// dispatcher's grants mask does not close them.
	for _, name := range []string{"chauffeur_on_time_pickup", "dead_head_ratio"} {
		if r := s.get("dispatcher", "/v1/analytics/"+name); r.status != 200 {
			t.Errorf("dispatcher %s: %d %.300s", name, r.status, r.body)
		}
	}
	for _, c := range narrowerPolicies {
		t.Run(c.analytic+" as "+c.role+" under "+c.name, func(t *testing.T) { s.assertNarrowerPolicy(t, c) })
	}
}

// assertRefusalHolds checks an analytic the catalogue offers the caller's
// role but refuses it is closed by PostgreSQL itself: a grants refusal
// needs a table the analytic computes from on which PostgreSQL does not
// grant the role SELECT, a row-policy refusal names one of those tables.
// So the served set is the offered set less exactly what PostgreSQL
// denies, never less by a check of the server's own.
func (s *seeded) assertRefusalHolds(t *testing.T, caller string, a marts.Analytic, body string) {
	t.Helper()
	sources, err := a.Sources()
	if err != nil {
		t.Fatal(err)
	}
	role := oltp.Roles[s.callers[caller].Role]
	switch {
	case strings.Contains(body, "PostgreSQL does not grant"):
		var denied []string
		for _, src := range sources {
			var ok bool
			if err := s.admin.QueryRow(context.Background(), `SELECT has_table_privilege($1, $2::regclass, 'SELECT')`, role, src).Scan(&ok); err != nil {
				t.Fatal(err)
			}
			if !ok {
				denied = append(denied, src)
			}
		}
		if len(denied) == 0 {
			t.Errorf("%s %s: refused for grants, but PostgreSQL grants %s SELECT on every table it computes from %v", caller, a.Name, role, sources)
			return
		}
		t.Logf("%s %s: refused, PostgreSQL does not grant %s all of %v", caller, a.Name, role, denied)
	case strings.Contains(body, "row policy"):
		if !slices.ContainsFunc(sources, func(src string) bool { return strings.Contains(body, src) }) {
			t.Errorf("%s %s: refused by a row policy on none of its tables %v: %s", caller, a.Name, sources, body)
		}
	default:
		t.Errorf("%s %s: offered to the role but refused: %s", caller, a.Name, body)
	}
}

// narrowerPolicies narrow a role's rows in PostgreSQL beyond organisation
// and branch: a technician who sees only the repair jobs assigned to them,
// a receptionist who sees only the bookings taken by phone.
var narrowerPolicies = []struct {
	name, role, table, using, analytic string
}{
	{"own_jobs", "technician", "workshop.repair_order", "EXISTS (SELECT 1 FROM workshop.repair_job j WHERE j.repair_order_id = repair_order.id AND j.assigned_technician_id = core.current_staff_id())", "comeback_rate"},
	{"phone_bookings", "receptionist", "workshop.booking", "channel = 'phone'", "show_rate"},
}

// assertNarrowerPolicy adds the restrictive policy in PostgreSQL: the
// marts' answer then differs from the role's views, so the analytic must
// be refused, naming the table; dropping the policy opens it again.
func (s *seeded) assertNarrowerPolicy(t *testing.T, c struct{ name, role, table, using, analytic string }) {
	ctx := context.Background()
	a, _ := marts.Lookup(c.analytic)
	p := s.callers[c.role]
	if r := s.get(c.role, "/v1/analytics/"+c.analytic); r.status != 200 {
		t.Fatalf("%s is not served to the %s to begin with: %d %s", c.analytic, c.role, r.status, r.body)
	}
	drop := func() {
		_, _ = s.admin.Exec(ctx, fmt.Sprintf("DROP POLICY IF EXISTS %s ON %s", c.name, c.table))
		_ = s.views.Refresh(ctx)
	}
	defer drop()
	if _, err := s.admin.Exec(ctx, fmt.Sprintf("CREATE POLICY %s ON %s AS RESTRICTIVE FOR SELECT TO %s USING (%s)",
		c.name, c.table, oltp.Roles[c.role], c.using)); err != nil {
		t.Fatal(err)
	}
	if err := s.views.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	views, err := s.throughViews(p, a)
	if err != nil {
		t.Fatal(err)
	}
	params := marts.Params{OrganisationID: p.OrganisationID, BranchIDs: p.BranchIDs}
	if p.Role == marts.Technician {
		params.StaffID = p.StaffID
	}
	fast, err := marts.Run(ctx, s.svc.DB().DB, a, params, 0)
	if err != nil {
		t.Fatal(err)
	}
	vb, _ := json.Marshal(views)
	fb, _ := json.Marshal(fast)
	if slices.Equal(canonicalRows(t, vb), canonicalRows(t, fb)) {
		t.Fatalf("the policy changes nothing the %s sees of %s: the check tells nothing", c.role, c.analytic)
	}
	r := s.get(c.role, "/v1/analytics/"+c.analytic)
	if r.status != 403 || !strings.Contains(string(r.body), c.table) {
		t.Errorf("%s under %s: %d %.300s; want 403 naming %s (the marts would answer %d rows, the role's views %d)",
			c.analytic, c.name, r.status, r.body, c.table, len(fast.Rows), len(views.Rows))
	}
	if s.openAnalytics(t)[c.role][c.analytic] {
		t.Errorf("%s is still listed for the %s under %s", c.analytic, c.role, c.name)
	}
	drop()
	if r := s.get(c.role, "/v1/analytics/"+c.analytic); r.status != 200 {
		t.Errorf("%s once %s is dropped: %d %.300s", c.analytic, c.name, r.status, r.body)
	}
}

// throughViews computes the analytic as the caller's views see the
// warehouse, with the parameters /v1/analytics uses by default: in the
// role's derived catalogue, the same views with enums and ranges as the
// mirror's text the analytics are written against (the typed views give
// them DuckDB ENUM and STRUCT types, which the analytics' SQL does not
// parse), where the role's marts are built.
func (s *seeded) throughViews(p oltp.Principal, a marts.Analytic) (*marts.Table, error) {
	ctx := context.Background()
	set, release, err := s.views.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	conn, err := s.svc.DB().Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var leave func(context.Context) error
	raw := func(f func(c *duckdb.Conn) error) error {
		return conn.Raw(func(dc any) error {
			if u, ok := dc.(interface{ Unwrap() driver.Conn }); ok {
				dc = u.Unwrap()
			}
			return f(dc.(*duckdb.Conn))
		})
	}
	if err := raw(func(c *duckdb.Conn) (err error) {
		leave, err = set.EnterDerived(ctx, c, scope.Caller{Role: p.Role, StaffID: p.StaffID, OrganisationID: p.OrganisationID, BranchIDs: p.BranchIDs})
		return err
	}); err != nil {
		return nil, err
	}
	defer func() { _ = raw(func(*duckdb.Conn) error { return leave(ctx) }) }()
	params := marts.Params{OrganisationID: p.OrganisationID, BranchIDs: p.BranchIDs}
	if p.Role == marts.Technician {
		params.StaffID = p.StaffID
	}
	return marts.Run(ctx, marts.OverViews(conn), a, params, 0)
}

// canonicalRows renders a JSON table's rows as sorted strings, numbers to
// 9 significant digits (the two plans may sum in another order).
func canonicalRows(t *testing.T, body []byte) []string {
	t.Helper()
	var tab struct {
		Rows [][]any `json:"rows"`
	}
	if err := json.Unmarshal(body, &tab); err != nil {
		t.Fatalf("%v: %.200s", err, body)
	}
	out := make([]string, len(tab.Rows))
	for i, cells := range tab.Rows {
		parts := make([]string, len(cells))
		for j, c := range cells {
			if f, ok := c.(float64); ok {
				parts[j] = strconv.FormatFloat(f, 'g', 9, 64)
			} else {
				parts[j] = fmt.Sprint(c)
			}
		}
		out[i] = strings.Join(parts, "|")
	}
	slices.Sort(out)
	return out
}

func firstDifferences(got, want []string) string {
	var b strings.Builder
	n := 0
	for _, g := range got {
		if !slices.Contains(want, g) && n < 5 {
			fmt.Fprintf(&b, "  marts only: %s\n", g)
			n++
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) && n < 10 {
			fmt.Fprintf(&b, "  views only: %s\n", w)
			n++
		}
	}
	return b.String()
}
