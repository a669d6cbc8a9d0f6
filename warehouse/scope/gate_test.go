package scope_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/carcarehub/cch/warehouse/scope"
)

// allowed is the fuzz and table tests' view set: core.customer and
// workshop.booking, optionally in catalogue cch_manager_1.
func allowed(catalog, schema, name string) bool {
	if catalog != "" && !strings.EqualFold(catalog, "cch_manager_1") {
		return false
	}
	switch strings.ToLower(schema + "." + name) {
	case "core.customer", "workshop.booking":
		return true
	}
	return false
}

// parser is one raw DuckDB connection for scope.Parse.
func parser(t testing.TB) (*duckdb.Conn, func()) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var dc *duckdb.Conn
	if err := conn.Raw(func(c any) error { dc = c.(*duckdb.Conn); return nil }); err != nil {
		t.Fatal(err)
	}
	return dc, func() { conn.Close(); db.Close() }
}

func check(ctx context.Context, c *duckdb.Conn, query string) ([]byte, error) {
	stmt, err := scope.Parse(ctx, c, query)
	if err != nil {
		return nil, err
	}
	return stmt, scope.CheckTree(stmt, allowed)
}

func TestGate(t *testing.T) {
	c, done := parser(t)
	defer done()
	ctx := context.Background()
	for _, q := range []string{
		"SELECT * FROM core.customer",
		`SELECT c.id FROM "CORE"."Customer" c JOIN workshop.booking b ON b.customer_id = c.id`,
		"SELECT * FROM cch_manager_1.core.customer",
		"WITH x AS (SELECT id FROM core.customer), y AS (SELECT * FROM x) SELECT * FROM y, range(3) r",
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT * FROM n",
		"SELECT (SELECT count(*) FROM workshop.booking), unnest([1, 2]), list_transform([1], x -> x + 1)",
		"SELECT * FROM core.customer PIVOT (count(*) FOR kind IN ('person'))",
		"SELECT repeat('x', 10), lpad('a', 5, 'b')",
		"SELECT * FROM (VALUES (1), (2)) v(a) UNION ALL SELECT 3 ORDER BY 1 LIMIT 2",
	} {
		if _, err := check(ctx, c, q); err != nil {
			t.Errorf("refused %q: %v", q, err)
		}
	}
	for _, q := range []string{
		"SELECT * FROM secret.t",
		"SELECT * FROM w.core.customer",
		"SELECT * FROM customer",
		"SELECT * FROM (WITH customer AS (SELECT 1) SELECT 1), customer",
		"SELECT * FROM core.customer c WHERE EXISTS (SELECT 1 FROM _cch.position)",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT getvariable('app.organisation_id')",
		"SELECT * FROM core.customer AT (VERSION => 1)",
		"SELECT * FROM c\u043ere.customer",
		"SELECT 1; SELECT 2",
		"PRAGMA database_list",
		"SELECT repeat('x', 1000000000)",
		"DESCRIBE core.customer",
	} {
		_, err := check(ctx, c, q)
		var r *scope.Refusal
		if !errors.As(err, &r) {
			t.Errorf("admitted %q (%v)", q, err)
		}
	}
}

// FuzzSQLGate feeds the gate arbitrary SQL: it never panics, and whatever
// it admits names no table outside the view set but CTEs the statement
// declares, and no table function outside the allowlist (checked by a
// second, cruder reading of the same tree).
func FuzzSQLGate(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM core.customer", "WITH x AS (SELECT 1) SELECT * FROM x", "SELECT * FROM w.core.customer",
		"SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM range(10)", "SELECT getvariable('x')",
	} {
		f.Add(s)
	}
	c, done := parser(f)
	defer done()
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, query string) {
		stmt, err := check(ctx, c, query)
		if err != nil {
			return
		}
		var tree any
		if err := json.Unmarshal(stmt, &tree); err != nil {
			t.Fatalf("admitted an unreadable tree: %v", err)
		}
		ctes := map[string]bool{}
		collect(tree, func(m map[string]any) {
			if cm, ok := m["cte_map"].(map[string]any); ok {
				entries, _ := cm["map"].([]any)
				for _, e := range entries {
					k, _ := e.(map[string]any)["key"].(string)
					ctes[strings.ToLower(k)] = true
				}
			}
		})
		collect(tree, func(m map[string]any) {
			if name, ok := m["table_name"].(string); ok {
				cat, _ := m["catalog_name"].(string)
				sch, _ := m["schema_name"].(string)
				if !allowed(cat, sch, name) && (cat != "" || sch != "" || !ctes[strings.ToLower(name)]) {
					t.Fatalf("admitted %q naming %s.%s.%s", query, cat, sch, name)
				}
			}
			if m["type"] == "TABLE_FUNCTION" {
				fn, _ := m["function"].(map[string]any)
				if name, _ := fn["function_name"].(string); !scope.TableFunctions[strings.ToLower(name)] {
					t.Fatalf("admitted %q calling %s", query, name)
				}
			}
		})
	})
}

// collect calls fn on every object of a JSON tree.
func collect(node any, fn func(map[string]any)) {
	switch v := node.(type) {
	case []any:
		for _, e := range v {
			collect(e, fn)
		}
	case map[string]any:
		fn(v)
		for _, e := range v {
			collect(e, fn)
		}
	}
}
