package scope

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
)

// TestEnterDerived enters a role's views both ways over a mirror with a
// range column and a row filter reading the request context: the role's
// catalogue types the range (a STRUCT, which text functions refuse), the
// derived catalogue keeps its text and holds the marts computed from it,
// and both show the same rows; Binds plans in the derived catalogue.
func TestEnterDerived(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA s; CREATE TABLE s.t (id BIGINT, organisation_id BIGINT, period VARCHAR);
		INSERT INTO s.t VALUES (1, 1, '[1,5)'), (2, 1, '[2,9)'), (3, 2, '[3,4)')`); err != nil {
		t.Fatal(err)
	}
	rules := &Rules{Roles: map[string][]Relation{"clerk": {{Schema: "s", Name: "t",
		Columns: []string{"id", "organisation_id", "period"},
		Filter:  "organisation_id = CAST(getvariable('app').organisation_id AS BIGINT)",
		Types:   map[string]ColumnType{"period": {RangeOf: "INTEGER"}}}}}}
	m := mirror{"s.t": {"id", "organisation_id", "period"}}
	derived := []string{"CREATE SCHEMA IF NOT EXISTS mart_view",
		"CREATE VIEW mart_view.spans AS SELECT id, strpos(period, ',') AS comma FROM s.t"}
	set, err := Build(ctx, db, rules, m, 1, derived)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = set.drop(ctx, db) }()
	const text = "SELECT sum(strpos(period, ',')) FROM s.t"
	if ok, err := set.Binds(ctx, db, "clerk", text); err != nil || !ok {
		t.Fatalf("the analytics' text form does not bind for the role: %v %v", ok, err)
	}
	who := Caller{Role: "clerk", OrganisationID: 1}
	run := func(enter func(context.Context, Execer, Caller) (func(context.Context) error, error), q string) (v driver.Value, err error) {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		err = conn.Raw(func(dc any) error {
			c := dc.(*duckdb.Conn)
			leave, err := enter(ctx, c, who)
			if err != nil {
				return err
			}
			defer func() { _ = leave(ctx) }()
			rows, err := c.QueryContext(ctx, q, nil)
			if err != nil {
				return err
			}
			defer rows.Close()
			vs := make([]driver.Value, 1)
			err = rows.Next(vs)
			v = vs[0]
			return err
		})
		return v, err
	}
	if _, err := run(set.Enter, text); err == nil {
		t.Error("the typed views read a range as text")
	}
	for name, enter := range map[string]func(context.Context, Execer, Caller) (func(context.Context) error, error){
		"typed": set.Enter, "derived": set.EnterDerived} {
		n, err := run(enter, "SELECT count(*) FROM s.t")
		if err != nil || n != int64(2) {
			t.Errorf("%s: %v rows (%v), want the organisation's 2", name, n, err)
		}
		c, err := run(enter, "SELECT sum(comma) FROM mart_view.spans")
		if err != nil || c == nil {
			t.Errorf("%s: mart %v (%v)", name, c, err)
		}
	}
	if v, err := run(set.EnterDerived, text); err != nil || v == nil {
		t.Errorf("derived: %v (%v)", v, err)
	}
}
