package analyst_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/export"
	"github.com/carcarehub/cch/warehouse/scope"
)

// testExportAsRole exports the organisation as a technician and as a
// manager through the roles' views: the technician's export holds
// exactly the customers PostgreSQL shows that technician and no column
// PostgreSQL masks from technicians (no cost); the manager's holds the
// cost columns; a receptionist's holds the customers of every branch. A technician export without a staff member is refused.
func testExportAsRole(t *testing.T, s *seeded) {
	ctx := context.Background()
	set, release, err := s.views.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	costs := map[string]bool{}
	for role, wantCost := range map[string]bool{"technician": false, "manager": true, "receptionist": false} {
		p := s.callers[role]
		p.BranchIDs = s.branchesOf(t, p.OrganisationID) // an export is organisation-wide: every branch
		who := scope.Caller{Role: role, StaffID: p.StaffID, OrganisationID: p.OrganisationID}
		if role == "technician" {
			if _, err := export.AsRole(set, scope.Caller{Role: role, OrganisationID: p.OrganisationID}); err == nil {
				t.Error("a technician export without a staff member was accepted")
			}
		}
		opts, err := export.AsRole(set, who)
		if err != nil {
			t.Fatal(err)
		}
		mem, err := warehouse.Open(ctx, ":memory:", warehouse.Options{MemoryLimit: "512MB", Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer mem.Close()
		dir := filepath.Join(t.TempDir(), role)
		m, err := export.ParquetThrough(ctx, s.svc.DB().DB, mem.DB, "parity", dir, opts)
		if err != nil {
			t.Fatalf("export as %s: %v", role, err)
		}
		if m.Role != role || m.Organisation != p.OrganisationID {
			t.Errorf("manifest names %s of %d", m.Role, m.Organisation)
		}
		got := parquetColumn(t, mem.DB, dir, "core.customer", "CAST(id AS VARCHAR)")
		want := s.pgStrings(t, p, "SELECT id::text FROM core.customer")
		if !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("%s export holds %d customers, PostgreSQL shows %d (%v vs %v)", role, len(got), len(want), head(got), head(want))
		}
		for _, r := range m.Relations {
			if strings.HasPrefix(r.Name, "mart.") {
				continue
			}
			for _, c := range parquetColumns(t, mem.DB, dir, r.Name) {
				var ok bool
				if err := s.admin.QueryRow(ctx, `SELECT has_column_privilege($1, $2::regclass, $3, 'SELECT')`,
					oltp.Roles[role], r.Name, c).Scan(&ok); err != nil || !ok {
					t.Errorf("%s export holds %s.%s, which PostgreSQL does not grant it (%v)", role, r.Name, c, err)
				}
			}
		}
		t.Logf("%s export: %d relations, %d customers", role, len(m.Relations), len(got))
		var cols []string
		if slices.ContainsFunc(m.Relations, func(r export.Relation) bool { return r.Name == "workshop.labour_line" }) {
			cols = parquetColumns(t, mem.DB, dir, "workshop.labour_line")
		}
		costs[role] = slices.Contains(cols, "cost_amount")
		if costs[role] != wantCost {
			t.Errorf("%s export of workshop.labour_line has columns %v", role, cols)
		}
	}
}

// branchesOf lists the organisation's branches.
func (s *seeded) branchesOf(t *testing.T, org int64) []int64 {
	t.Helper()
	rows, err := s.admin.Query(context.Background(), "SELECT id FROM core.branch WHERE organisation_id = $1 ORDER BY id", org)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) < 2 {
		t.Fatalf("branches of %d: %v (%v)", org, ids, err)
	}
	return ids
}

// pgStrings runs q as p through the API's transaction, sorted.
func (s *seeded) pgStrings(t *testing.T, p oltp.Principal, q string) []string {
	t.Helper()
	var out []string
	_, err := oltp.InTx(context.Background(), s.pool, p, "parity", true, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), q)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func parquetGlob(dir, relation string) string {
	schema, name, _ := strings.Cut(relation, ".")
	return filepath.Join(dir, schema, name, "**", "*.parquet")
}

// parquetColumn reads expr over an exported relation's files, sorted.
func parquetColumn(t *testing.T, db *sql.DB, dir, relation, expr string) []string {
	t.Helper()
	return queryStrings(t, db, "SELECT "+expr+" FROM read_parquet('"+parquetGlob(dir, relation)+"', hive_partitioning = true)")
}

// parquetColumns names an exported relation's columns, sorted.
func parquetColumns(t *testing.T, db *sql.DB, dir, relation string) []string {
	t.Helper()
	return queryStrings(t, db, "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('"+parquetGlob(dir, relation)+"', hive_partitioning = true))")
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func head(s []string) []string { return s[:min(len(s), 5)] }
