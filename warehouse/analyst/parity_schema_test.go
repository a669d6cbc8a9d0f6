package analyst_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"
)

// testNewObjects adds, in PostgreSQL, a column to a table whose grants
// are per column, a table with row-level security granted to two roles
// (only one of which has a permissive policy), and a table nobody was
// granted; once CDC has mirrored them and the views are rebuilt, parity
// holds for all three and every caller, and none is open beyond its rules.
func testNewObjects(t *testing.T, s *seeded) {
	ctx := context.Background()
	for _, stmt := range []string{
		`ALTER TABLE core.staff ADD COLUMN parity_bonus_rate numeric(10,2) DEFAULT 1.50`,
		// CDC learns of a new column from the table's next change.
		`UPDATE core.staff SET parity_bonus_rate = 2.25 WHERE id = (SELECT min(id) FROM core.staff)`,
		`CREATE TABLE core.parity_probe (id bigint PRIMARY KEY, organisation_id bigint NOT NULL, note text)`,
		`ALTER TABLE core.parity_probe ENABLE ROW LEVEL SECURITY`,
		`CREATE POLICY tenant ON core.parity_probe AS RESTRICTIVE FOR ALL TO PUBLIC USING (organisation_id = core.current_organisation_id())`,
		`CREATE POLICY managers ON core.parity_probe FOR SELECT TO cch_manager USING (true)`,
		`GRANT SELECT ON core.parity_probe TO cch_manager, cch_finance`,
		// New tables join the publication as a migration adds them.
		`CREATE TABLE workshop.parity_ungranted (id bigint PRIMARY KEY, organisation_id bigint NOT NULL, secret text)`,
		`CALL core.publish_tables()`,
		`INSERT INTO core.parity_probe SELECT id, id, 'note of ' || name FROM core.organisation`,
		`INSERT INTO workshop.parity_ungranted SELECT id, id, 'secret of ' || name FROM core.organisation`,
	} {
		if _, err := s.admin.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	s.waitMirrored(t, "core", "staff", "parity_bonus_rate")
	s.waitMirrored(t, "core", "parity_probe", "note")
	s.waitMirrored(t, "workshop", "parity_ungranted", "secret")
	s.catchUp(t)
	if err := s.views.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range s.callerNames() {
		fctx, err := s.flight.Client.AuthenticateBasicToken(ctx, "parity", s.tokens[name])
		if err != nil {
			t.Fatal(err)
		}
		for _, tbl := range []string{"core.staff", "core.parity_probe", "workshop.parity_ungranted"} {
			t.Run(name+"/"+tbl, func(t *testing.T) { s.assertTable(t, name, fctx, tbl) })
		}
	}
	// What parity means here, spelled out.
	cols := func(name string) []string {
		var out []string
		for _, c := range decode(t, s.sql(name, "SELECT * FROM core.staff LIMIT 0")).Columns {
			out = append(out, c.Name)
		}
		return out
	}
	if slices.Contains(cols("technician"), "parity_bonus_rate") || !slices.Contains(cols("manager"), "parity_bonus_rate") {
		t.Errorf("the new staff column: technician sees %v, manager %v", cols("technician"), cols("manager"))
	}
	if got := decode(t, s.sql("manager", "SELECT count(*) FROM core.parity_probe")).Rows; len(got) != 1 || got[0][0] != float64(1) {
		t.Errorf("manager reads %v probe rows, want its organisation's 1", got)
	}
	if got := decode(t, s.sql("finance", "SELECT count(*) FROM core.parity_probe")).Rows; len(got) != 1 || got[0][0] != float64(0) {
		t.Errorf("finance (granted, no permissive policy) reads %v probe rows, want 0", got)
	}
	for _, name := range s.callerNames() {
		if r := s.sql(name, "SELECT * FROM workshop.parity_ungranted"); r.status != http.StatusForbidden {
			t.Errorf("%s reads the ungranted table: %d %s", name, r.status, r.body)
		}
	}
}

// waitMirrored waits until the warehouse mirror has table.column.
func (s *seeded) waitMirrored(t *testing.T, schema, table, column string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		err := s.svc.DB().QueryRow(`SELECT count(*) FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND column_name = ?`,
			schema, table, column).Scan(&n)
		if err == nil && n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s.%s.%s not mirrored (%v)", schema, table, column, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
