package analyst_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
)

// testAnalyticsFollowGrants checks what GET /v1/analytics opens to each
// role against PostgreSQL's grants, read independently of the server's
// rule. The masked columns are derived from the catalogue (a column some
// business role may not select on a table it may otherwise read); every
// mart is built once more over the mirror with exactly those columns
// removed, and a mart that no longer binds reads a masked column. An
// analytic whose plan scans such a column must be Financial and must not
// be open to a role the grants mask it from; an analytic whose plan scans
// a table the grants give a role nothing of must not be open to it either
// (listed, or answered: 403). Then a REVOKE in PostgreSQL closes an
// analytic and the GRANT back reopens it.
func testAnalyticsFollowGrants(t *testing.T, s *seeded) {
	ctx := context.Background()
	roles := make([]string, 0, len(oltp.Roles))
	for _, db := range oltp.Roles {
		roles = append(roles, db)
	}
	rows, err := s.admin.Query(ctx, `
		SELECT DISTINCT pt.schemaname::text, pt.tablename::text, a.attname::text
		FROM pg_publication_tables pt
		JOIN pg_class c ON c.oid = (quote_ident(pt.schemaname) || '.' || quote_ident(pt.tablename))::regclass
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		  AND a.attname = ANY (pt.attnames) -- published: secrets are never masked, they are absent
		CROSS JOIN unnest($1::text[]) r(role)
		WHERE pt.pubname = 'cch_pub' AND has_any_column_privilege(r.role, c.oid, 'SELECT')
		  AND NOT has_column_privilege(r.role, c.oid, a.attnum, 'SELECT')`, roles)
	if err != nil {
		t.Fatal(err)
	}
	masked := map[string][]string{} // "schema.table" → columns
	var pairs [][2]string
	for rows.Next() {
		var sch, tbl, col string
		if err := rows.Scan(&sch, &tbl, &col); err != nil {
			t.Fatal(err)
		}
		masked[sch+"."+tbl] = append(masked[sch+"."+tbl], col)
		pairs = append(pairs, [2]string{sch + "." + tbl, col})
	}
	if rows.Err() != nil || len(pairs) == 0 {
		t.Fatalf("no masked column found (%v)", rows.Err())
	}
	t.Logf("masked columns: %v", pairs)
	costReaders := s.costReaders(t, pairs)
	open := s.openAnalytics(t)
	for role, names := range open {
		t.Logf("open to %s: %d analytics %v", role, len(names), names)
	}
	bound := s.bindWithout(t, masked)
	var tainted int
	for _, a := range marts.Catalog() {
		reads, err := a.Reads()
		if err != nil || len(reads) == 0 {
			t.Fatalf("%s reads %v (%v)", a.Name, reads, err)
		}
		i := slices.IndexFunc(reads, func(m string) bool { return !bound[m] })
		if i < 0 {
			continue
		}
		col := s.scannedMasked(t, a, masked)
		if col == "" {
			t.Logf("%s reads mart %s, but none of its masked columns", a.Name, reads[i])
			continue
		}
		tainted++
		if !a.Financial {
			t.Errorf("%s reads the masked %s but is not Financial", a.Name, col)
		}
		for role := range oltp.Roles {
			if open[role][a.Name] && !costReaders[role] {
				t.Errorf("%s (masked columns) is open to %s, whose grants mask them", a.Name, role)
			}
		}
	}
	s.assertTableGrants(t, open)
	s.assertGrantChange(t)
	if tainted == 0 || tainted == len(marts.Catalog()) {
		t.Fatalf("%d of %d analytics read masked columns: the probe tells nothing", tainted, len(marts.Catalog()))
	}
	t.Logf("%d analytics read masked columns; roles granted every masked column: %v", tainted, costReaders)
}

// costReaders are the business roles granted every masked column.
func (s *seeded) costReaders(t *testing.T, pairs [][2]string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for role, db := range oltp.Roles {
		all := true
		for _, p := range pairs {
			var ok bool
			if err := s.admin.QueryRow(context.Background(), `SELECT has_column_privilege($1, $2::regclass, $3, 'SELECT')`,
				db, p[0], p[1]).Scan(&ok); err != nil {
				t.Fatal(err)
			}
			all = all && ok
		}
		out[role] = all
	}
	return out
}

// bindWithout builds every mart over the mirror minus the masked columns
// in a scratch catalogue and returns the marts that still bind.
func (s *seeded) bindWithout(t *testing.T, masked map[string][]string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	conn, err := s.svc.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	defer func() {
		_, _ = conn.ExecContext(ctx, "USE w")
		_, _ = conn.ExecContext(ctx, "DETACH DATABASE IF EXISTS cost_blind")
	}()
	rows, err := conn.QueryContext(ctx, `SELECT c.schema_name, c.table_name, list(c.column_name ORDER BY c.column_index)
		FROM duckdb_columns() c JOIN _cch.mirrors m ON m.schema_name = c.schema_name AND m.table_name = c.table_name
		WHERE c.database_name = 'w' GROUP BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	var stmts []string
	for rows.Next() {
		var sch, tbl string
		var cols []any
		if err := rows.Scan(&sch, &tbl, &cols); err != nil {
			t.Fatal(err)
		}
		var keep []string
		for _, c := range cols {
			if !slices.Contains(masked[sch+"."+tbl], c.(string)) {
				keep = append(keep, pgx.Identifier{c.(string)}.Sanitize())
			}
		}
		stmts = append(stmts, fmt.Sprintf(`CREATE SCHEMA IF NOT EXISTS %s; CREATE VIEW %s.%s AS SELECT %s FROM w.%s.%s AS %s`,
			sch, sch, tbl, strings.Join(keep, ", "), sch, tbl, tbl))
	}
	rows.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH ':memory:' AS cost_blind; USE cost_blind"); err != nil {
		t.Fatal(err)
	}
	defs, err := marts.Definitions()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range append(stmts, defs...) {
		_, _ = conn.ExecContext(ctx, st) // a mart reading a masked column fails to bind
	}
	bound := map[string]bool{}
	vr, err := conn.QueryContext(ctx, `SELECT view_name FROM duckdb_views() WHERE database_name = 'cost_blind' AND schema_name = 'mart_view'`)
	if err != nil {
		t.Fatal(err)
	}
	defer vr.Close()
	for vr.Next() {
		var v string
		if err := vr.Scan(&v); err != nil {
			t.Fatal(err)
		}
		bound[v] = true
	}
	if len(bound) == 0 {
		t.Fatal("no mart binds without the masked columns")
	}
	return bound
}

// scannedMasked returns a masked column the analytic's plan reads
// ("schema.table.column"), or "". Analytics computed in Go count as
// reading every column of their marts.
func (s *seeded) scannedMasked(t *testing.T, a marts.Analytic, masked map[string][]string) string {
	t.Helper()
	q, args, err := a.Bind(marts.Params{OrganisationID: 1, From: time.Now().AddDate(-1, 0, 0), To: time.Now(), Granularity: "month"})
	if err != nil {
		return "(computed in Go)"
	}
	q = regexp.MustCompile(`\bmart\.([a-z_0-9]+)\b(\s*\()?`).ReplaceAllStringFunc(q, func(m string) string {
		if strings.HasSuffix(strings.TrimSpace(m), "(") {
			return m // a macro
		}
		return "mart_view." + strings.TrimPrefix(m, "mart.")
	})
	var key, plan string
	if err := s.svc.DB().QueryRowContext(context.Background(), "EXPLAIN (FORMAT JSON) "+q, args...).Scan(&key, &plan); err != nil {
		t.Fatalf("plan of %s: %v", a.Name, err)
	}
	var tree any
	if err := json.Unmarshal([]byte(plan), &tree); err != nil {
		t.Fatal(err)
	}
	var found string
	walkJSON(tree, func(m map[string]any) {
		info, _ := m["extra_info"].(map[string]any)
		table, _ := info["Table"].(string)
		cols := masked[strings.TrimPrefix(table, "w.")]
		read := fmt.Sprint(info["Projections"], " ", info["Filters"])
		for _, c := range cols {
			if found == "" && regexp.MustCompile(`\b`+c+`\b`).MatchString(read) {
				found = table + "." + c
			}
		}
	})
	return found
}

func walkJSON(node any, fn func(map[string]any)) {
	switch v := node.(type) {
	case []any:
		for _, e := range v {
			walkJSON(e, fn)
		}
	case map[string]any:
		fn(v)
		for _, e := range v {
			walkJSON(e, fn)
		}
	}
}

// assertTableGrants fails for an analytic open to a role although its
// plan scans a table PostgreSQL grants the role nothing of, and checks the
// single analytic's answer (403 when closed, 200 when open).
func (s *seeded) assertTableGrants(t *testing.T, open map[string]map[string]bool) {
	var closed int
	for _, a := range marts.Catalog() {
		tables := s.scannedTables(t, a)
		for role, db := range oltp.Roles {
			var denied []string
			for _, tbl := range tables {
				var ok bool
				if err := s.admin.QueryRow(context.Background(), `SELECT has_any_column_privilege($1, $2::regclass, 'SELECT')`, db, tbl).Scan(&ok); err == nil && !ok {
					denied = append(denied, tbl)
				}
			}
			if len(denied) > 0 && open[role][a.Name] {
				t.Errorf("%s is open to %s, whose grants give nothing of %v", a.Name, role, denied)
			}
			if len(denied) > 0 && a.Allows(role) {
				closed++ // the catalogue offers it; the grants close it
			}
			want := map[bool]int{true: 200, false: 403}[open[role][a.Name]]
			if r := s.get(role, "/v1/analytics/"+a.Name); r.status != want {
				t.Errorf("%s %s: %d, want %d (listed: %v): %.200s", role, a.Name, r.status, want, open[role][a.Name], r.body)
			}
		}
	}
	if closed == 0 {
		t.Error("the grants close no analytic the catalogue offers: the check tells nothing")
	}
}

// assertGrantChange revokes the receptionist's bookings in PostgreSQL:
// show_rate closes for it once the views are rebuilt, and reopens with
// the grant back.
func (s *seeded) assertGrantChange(t *testing.T) {
	ctx := context.Background()
	role := oltp.Roles["receptionist"]
	if !s.openAnalytics(t)["receptionist"]["show_rate"] {
		t.Fatal("show_rate is not open to the receptionist to begin with")
	}
	var grants []string
	rows, err := s.admin.Query(ctx, `SELECT 'GRANT ' || privilege_type || ' ON workshop.booking TO ' || quote_ident(grantee)
		FROM information_schema.role_table_grants WHERE table_schema = 'workshop' AND table_name = 'booking' AND grantee = $1`, role)
	if err == nil {
		grants, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	if err := s.admin.QueryRow(ctx, `SELECT coalesce(array_agg(column_name::text), '{}') FROM information_schema.column_privileges
		WHERE table_schema = 'workshop' AND table_name = 'booking' AND grantee = $1 AND privilege_type = 'SELECT'`, role).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		_, _ = s.admin.Exec(ctx, "GRANT SELECT ("+strings.Join(quoteAll(cols), ", ")+") ON workshop.booking TO "+pgx.Identifier{role}.Sanitize())
		for _, g := range grants {
			_, _ = s.admin.Exec(ctx, g)
		}
		_ = s.views.Refresh(ctx)
	}
	defer restore()
	if _, err := s.admin.Exec(ctx, "REVOKE SELECT ON workshop.booking FROM "+pgx.Identifier{role}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	if err := s.views.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if s.openAnalytics(t)["receptionist"]["show_rate"] {
		t.Error("show_rate is still listed for the receptionist after REVOKE SELECT ON workshop.booking")
	}
	if r := s.get("receptionist", "/v1/analytics/show_rate"); r.status != 403 || !strings.Contains(string(r.body), "problem") && !strings.Contains(r.header.Get("Content-Type"), "problem") {
		t.Errorf("show_rate after the revoke: %d %s", r.status, r.body)
	}
	restore()
	if !s.openAnalytics(t)["receptionist"]["show_rate"] {
		t.Error("show_rate is not listed again after the grant is restored")
	}
}

func quoteAll(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = pgx.Identifier{c}.Sanitize()
	}
	return out
}

// openAnalytics is what GET /v1/analytics lists to each role.
func (s *seeded) openAnalytics(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	for role := range oltp.Roles {
		r := s.get(role, "/v1/analytics")
		var list struct {
			Items []struct{ Name string } `json:"items"`
		}
		if err := json.Unmarshal(r.body, &list); err != nil || r.status != 200 {
			t.Fatalf("%s list: %d %s", role, r.status, r.body)
		}
		out[role] = map[string]bool{}
		for _, it := range list.Items {
			out[role][it.Name] = true
		}
	}
	return out
}

// get sends GET path with the token of the caller named role.
func (s *seeded) get(role, path string) response {
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.tokens[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{status: 0, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, body}
}

// scannedTables are the mirror tables the analytic's plan scans (nil for
// one computed in Go).
func (s *seeded) scannedTables(t *testing.T, a marts.Analytic) []string {
	q, args, err := a.Bind(marts.Params{OrganisationID: 1, From: time.Now().AddDate(-1, 0, 0), To: time.Now(), Granularity: "month"})
	if err != nil {
		return nil
	}
	q = regexp.MustCompile(`\bmart\.([a-z_0-9]+)\b(\s*\()?`).ReplaceAllStringFunc(q, func(m string) string {
		if strings.HasSuffix(strings.TrimSpace(m), "(") {
			return m
		}
		return "mart_view." + strings.TrimPrefix(m, "mart.")
	})
	var key, plan string
	if err := s.svc.DB().QueryRowContext(context.Background(), "EXPLAIN (FORMAT JSON) "+q, args...).Scan(&key, &plan); err != nil {
		t.Fatalf("plan of %s: %v", a.Name, err)
	}
	var tree any
	_ = json.Unmarshal([]byte(plan), &tree)
	var out []string
	walkJSON(tree, func(m map[string]any) {
		info, _ := m["extra_info"].(map[string]any)
		if tbl, _ := info["Table"].(string); tbl != "" && !slices.Contains(out, strings.TrimPrefix(tbl, "w.")) {
			out = append(out, strings.TrimPrefix(tbl, "w."))
		}
	})
	slices.Sort(out)
	return out
}
