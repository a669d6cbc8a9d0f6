package migrations_test

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

// ownerURL is the database's URL for cch_owner with password.
func ownerURL(t testing.TB, superURL, password string) string {
	t.Helper()
	u, err := url.Parse(superURL)
	if err != nil {
		t.Fatal(err)
	}
	return pgtest.Cluster(t).URL("cch_owner", password, strings.TrimPrefix(u.Path, "/"))
}

// TestOwnerAppliesFreshDatabase: after the superuser bootstrap, the owner
// applies every other file of an empty database, the result has no drift
// from schema.hcl, and a second apply is a no-op.
func TestOwnerAppliesFreshDatabase(t *testing.T) {
	ctx := context.Background()
	super := pgtest.NewDatabase(t)
	applied, err := migrations.Bootstrap(ctx, super, migrations.Embedded(),
		migrations.BootstrapOptions{Passwords: map[string]string{"cch_owner": "owner-pw"}, Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || !strings.HasSuffix(applied[0], "_bootstrap.sql") {
		t.Fatalf("bootstrap applied %v; want only the bootstrap file", applied)
	}
	owner := ownerURL(t, super, "owner-pw")
	applied, err = migrations.Apply(ctx, owner, testLogger(t))
	if err != nil {
		t.Fatalf("apply as owner: %v", err)
	}
	if len(applied) == 0 {
		t.Fatal("apply as owner applied nothing")
	}
	if again, err := migrations.Apply(ctx, owner, testLogger(t)); err != nil || len(again) != 0 {
		t.Fatalf("second apply = %v, %v; want no-op", again, err)
	}
	if who := queryString(t, super, `SELECT string_agg(DISTINCT pg_get_userbyid(relowner), ',') FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('core', 'workshop', 'finance', 'chauffeur', 'cch_migrate')
		AND c.relkind IN ('r', 'p')`); who != "cch_owner" {
		t.Fatalf("tables owned by %s; want cch_owner", who)
	}
	if n := queryString(t, super, `SELECT count(*)::text FROM pg_publication_tables WHERE pubname = 'cch_pub'`); n == "0" {
		t.Fatal("the publication covers no table")
	}
	drift, err := migrations.Drift(ctx, super, "../schema.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) > 0 {
		t.Fatalf("drift after owner apply:\n%s", strings.Join(drift, "\n"))
	}
}

// TestOwnerAppliesCurrentDatabase: a database migrated by a superuser (as
// earlier versions did: history owned by the superuser, no database
// privileges for the owner) refuses the owner until the bootstrap has run,
// then takes the owner's apply.
func TestOwnerAppliesCurrentDatabase(t *testing.T) {
	ctx := context.Background()
	super := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, super, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Undo what the bootstrap grants, and forget the newest file, as on a
	// database an earlier version migrated.
	for _, sql := range []string{
		`ALTER SCHEMA cch_migrate OWNER TO postgres`, `ALTER TABLE cch_migrate.revisions OWNER TO postgres`,
		`DELETE FROM cch_migrate.revisions WHERE version = (SELECT max(version) FROM cch_migrate.revisions)`,
		`DO $$ BEGIN EXECUTE format('REVOKE ALL ON DATABASE %I FROM cch_owner', current_database()); END $$`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if _, err := conn.Exec(ctx, `ALTER ROLE cch_owner LOGIN PASSWORD 'owner-pw'`); err != nil {
		t.Fatal(err)
	}
	owner := ownerURL(t, super, "owner-pw")
	_, err = migrations.Apply(ctx, owner, testLogger(t))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Fatalf("apply as owner before the bootstrap: %v; want permission denied (42501)", err)
	}
	if applied, err := migrations.Bootstrap(ctx, super, migrations.Embedded(), migrations.BootstrapOptions{}); err != nil || len(applied) != 0 {
		t.Fatalf("bootstrap = %v, %v; want no file applied", applied, err)
	}
	applied, err := migrations.Apply(ctx, owner, testLogger(t))
	if err != nil || len(applied) != 1 {
		t.Fatalf("apply as owner = %v, %v; want the newest file", applied, err)
	}
}

// TestOwnerRefusesBootstrapFile: a pending bootstrap file is the
// superuser's; the owner's apply stops there and says what to run.
func TestOwnerRefusesBootstrapFile(t *testing.T) {
	ctx := context.Background()
	super := pgtest.NewDatabase(t)
	if _, err := migrations.Bootstrap(ctx, super, migrations.Embedded(),
		migrations.BootstrapOptions{Passwords: map[string]string{"cch_owner": "owner-pw"}}); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"20990101000000_roles_bootstrap.sql": "SELECT 1;\n"}
	embedded, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range embedded {
		b, err := migrations.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	dir := writeDir(t, files)
	_, err = migrations.ApplyDir(ctx, ownerURL(t, super, "owner-pw"), openDir(t, dir), testLogger(t))
	if !errors.Is(err, migrations.ErrNeedsBootstrap) {
		t.Fatalf("apply = %v; want ErrNeedsBootstrap", err)
	}
}

// TestBootstrapNeedsSuperuser: the owner cannot run the bootstrap.
func TestBootstrapNeedsSuperuser(t *testing.T) {
	ctx := context.Background()
	super := pgtest.NewDatabase(t)
	if _, err := migrations.Bootstrap(ctx, super, migrations.Embedded(),
		migrations.BootstrapOptions{Passwords: map[string]string{"cch_owner": "owner-pw"}}); err != nil {
		t.Fatal(err)
	}
	_, err := migrations.Bootstrap(ctx, ownerURL(t, super, "owner-pw"), migrations.Embedded(), migrations.BootstrapOptions{})
	if err == nil || !strings.Contains(err.Error(), "superuser") {
		t.Fatalf("bootstrap as the owner: %v; want a refusal naming the superuser", err)
	}
	if _, err := migrations.Bootstrap(ctx, super, migrations.Embedded(),
		migrations.BootstrapOptions{Passwords: map[string]string{"cch_nobody": "x"}}); err == nil {
		t.Fatal("bootstrap set the password of a role that is not a login role")
	}
}
