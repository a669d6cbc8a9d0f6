package scope

import (
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// TestColumnTypeExpr reads PostgreSQL's text forms of enums and ranges
// into DuckDB's types: a range's bounds (quoted or not, unbounded, empty)
// and brackets, an enum's label, NULL as NULL; an unknown label fails.
func TestColumnTypeExpr(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	_, _ = db.Exec("SET TimeZone = 'UTC'") // where ICU renders time zones
	tstz := ColumnType{RangeOf: "TIMESTAMPTZ"}
	cases := []struct {
		ct         ColumnType
		text, want string
	}{
		{tstz, `["2026-12-01 09:00:00+00","2026-12-01 10:30:00+00")`, "{'lower': '2026-12-01 09:00:00+00', 'upper': '2026-12-01 10:30:00+00', 'bounds': '[)'}"},
		{tstz, `["2026-01-01 00:00:00+00",)`, "{'lower': '2026-01-01 00:00:00+00', 'upper': NULL, 'bounds': '[)'}"},
		{tstz, `empty`, "{'lower': NULL, 'upper': NULL, 'bounds': empty}"},
		{ColumnType{RangeOf: "DATE"}, `(2026-01-01,2026-02-01]`, "{'lower': 2026-01-01, 'upper': 2026-02-01, 'bounds': '(]'}"},
		{ColumnType{RangeOf: "INTEGER"}, `[1,5)`, "{'lower': 1, 'upper': 5, 'bounds': '[)'}"},
		{ColumnType{Labels: []string{"booked", "it's done"}}, `it's done`, "it's done"},
	}
	for _, c := range cases {
		var got sql.NullString
		q := "SELECT CAST(" + c.ct.Expr("x") + " AS VARCHAR) FROM (SELECT ? AS x)"
		if err := db.QueryRow(q, c.text).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.text, err)
		}
		if got.String != c.want {
			t.Errorf("%s: %q, want %q", c.text, got.String, c.want)
		}
	}
	var null sql.NullString
	if err := db.QueryRow("SELECT CAST(" + tstz.Expr("x") + " AS VARCHAR) FROM (SELECT NULL::VARCHAR AS x)").Scan(&null); err != nil || null.Valid {
		t.Errorf("NULL reads %v (%v)", null, err)
	}
	enum := ColumnType{Labels: []string{"booked"}}
	if err := db.QueryRow("SELECT " + enum.Expr("'cancelled'")).Scan(&null); err == nil {
		t.Error("a label the view does not know read without error")
	}
}
