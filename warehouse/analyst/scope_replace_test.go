package analyst_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/scope"
)

// The roles' views live in the memory of the warehouse's DuckDB instance.
// When the warehouse rebuilds into a new file and moves its readers there
// (a lost replication slot), the next query builds them again on the new
// instance, over the new file's mirror, instead of failing to find them.
func TestViewsFollowTheWarehouseToARebuiltFile(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, dbURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{MemoryLimit: "512MB", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fillMirror(t, db.DB, "Old")
	views, err := scope.NewManager(scope.Config{DB: db.DB, PG: pool, Roles: oltp.Roles, Instance: db.Instance})
	if err != nil {
		t.Fatal(err)
	}
	if got := managerSees(t, views, db.DB); got != "Old" {
		t.Fatalf("before the rebuild the manager sees %q, want Old", got)
	}
	next, err := db.OpenSibling(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	fillMirror(t, next.DB, "New")
	if err := db.Replace(ctx, next); err != nil {
		t.Fatal(err)
	}
	if got := managerSees(t, views, db.DB); got != "New" {
		t.Errorf("after the rebuild the manager sees %q, want New", got)
	}
}

// fillMirror mirrors one customer of organisation 1 and one of
// organisation 2 (the manager's policies hide that one).
func fillMirror(t *testing.T, db *sql.DB, name string) {
	t.Helper()
	_, err := db.Exec(`CREATE SCHEMA IF NOT EXISTS _cch;
		CREATE TABLE IF NOT EXISTS _cch.mirrors (schema_name VARCHAR, table_name VARCHAR, columns JSON);
		INSERT INTO _cch.mirrors VALUES ('core', 'customer', '[]');
		CREATE SCHEMA core;
		CREATE TABLE core.customer (id BIGINT, organisation_id BIGINT, home_branch_id BIGINT, given_name VARCHAR);
		INSERT INTO core.customer VALUES (1, 1, NULL, '` + name + `'), (2, 2, NULL, 'Other tenant')`)
	if err != nil {
		t.Fatal(err)
	}
}

// managerSees is the customers' names an organisation-wide manager of
// organisation 1 reads through the current views.
func managerSees(t *testing.T, views *scope.Manager, db *sql.DB) string {
	t.Helper()
	ctx := context.Background()
	set, release, err := views.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	leave, err := set.Enter(ctx, execer{conn}, scope.Caller{Role: "manager", StaffID: 1, OrganisationID: 1})
	if err != nil {
		t.Fatalf("enter the manager's views: %v", err)
	}
	defer func() {
		if err := leave(ctx); err != nil {
			t.Error(err)
		}
	}()
	var names string
	if err := conn.QueryRowContext(ctx, "SELECT string_agg(given_name, ',' ORDER BY id) FROM core.customer").Scan(&names); err != nil {
		t.Fatal(err)
	}
	return names
}

// execer runs scope's statements on a database/sql connection.
type execer struct{ c *sql.Conn }

func (e execer) ExecContext(ctx context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	return e.c.ExecContext(ctx, q)
}
