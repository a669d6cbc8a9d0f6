package pglocal_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/deploy"
	"github.com/carcarehub/cch/internal/pglocal"
)

// The local cluster runs deploy/postgresql.conf: every setting there is in
// force with its value, except the documented local overrides.
func TestClusterRunsTheDeploySettings(t *testing.T) {
	ctx := context.Background()
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: tempDir(t), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(ctx)
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT name, setting FROM pg_file_settings WHERE applied AND error IS NULL")
	if err != nil {
		t.Fatal(err)
	}
	applied := map[string]string{}
	for rows.Next() {
		var name, setting string
		if err := rows.Scan(&name, &setting); err != nil {
			t.Fatal(err)
		}
		applied[name] = setting
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	prod, local := deploy.Settings(deploy.PostgreSQLConf), deploy.Settings(pglocal.LocalSettings)
	if len(prod) < 15 {
		t.Fatalf("parsed only %d settings from deploy/postgresql.conf", len(prod))
	}
	for name, want := range prod {
		if v, ok := local[name]; ok {
			want = v
		}
		if got, ok := applied[name]; !ok || got != want {
			t.Errorf("%s: running with %q (from the files: %v), want %q", name, got, ok, want)
		}
	}
	// shared_preload_libraries took effect: the statement statistics work.
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_statements").Scan(&n); err != nil {
		t.Errorf("pg_stat_statements not loaded: %v", err)
	}
}
