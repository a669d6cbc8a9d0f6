package migrations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"github.com/jackc/pgx/v5"
)

// The bootstrap is the one step of a deployment that needs a superuser:
// cluster-wide roles and their attributes, the owner's privileges on the
// database, and converting an older schema-wide CDC publication into the
// owner's table list (only a superuser may drop its schemas). Everything else, every later migration file included, runs
// as the owner role cch_owner (`cch migrate apply`).
//
// A migration file whose description is "bootstrap" or ends in
// "_bootstrap" needs a superuser; Bootstrap applies such files while they
// are next in line, and ApplyDir as a non-superuser refuses to run one.
// BootstrapSQL is re-run by every Bootstrap and by every ApplyDir as a
// superuser; each statement in it checks before it changes anything, so
// it is idempotent and safe when several databases of one cluster run it
// at once.

// ErrNeedsBootstrap is wrapped by errors about work that needs the
// superuser bootstrap step (`cch migrate bootstrap`) first.
var ErrNeedsBootstrap = errors.New("needs the superuser bootstrap step (cch migrate bootstrap --database-url <superuser URL>)")

// BootstrapSQL is the idempotent superuser part run after the bootstrap
// migration files: the worker role, the owner's privileges on the
// database, the migration history owned by the owner, and the CDC
// publication handed to the owner (converted from an older schema-wide one). Parts whose roles or schemas do not exist yet are skipped;
// nothing already in place is changed again (databases of one cluster
// migrate concurrently in tests, and cluster-wide role rows must not be
// updated by two of them at once).
const BootstrapSQL = `
DO $$
DECLARE
  pubschema name;
  converted boolean := false;
BEGIN
  -- cch_worker: the periodic jobs (notification outbox, reminders,
  -- partition maintenance) work across organisations, so it bypasses
  -- row-level security; NOINHERIT, it acts as a dispatcher only after
  -- SET LOCAL ROLE (auto-dispatch, one organisation at a time).
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_worker') THEN
    BEGIN
      CREATE ROLE cch_worker LOGIN NOINHERIT BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently by another database's bootstrap
    END;
  ELSIF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_worker' AND rolcanlogin AND NOT rolinherit
                      AND rolbypassrls AND NOT rolsuper AND NOT rolcreatedb AND NOT rolcreaterole) THEN
    ALTER ROLE cch_worker LOGIN NOINHERIT BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
  IF to_regrole('cch_dispatcher') IS NOT NULL AND NOT pg_has_role('cch_worker', 'cch_dispatcher', 'MEMBER') THEN
    BEGIN
      GRANT cch_dispatcher TO cch_worker;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;

  IF to_regrole('cch_owner') IS NOT NULL THEN
    -- The owner creates schemas and owns the migration history.
    IF NOT has_database_privilege('cch_owner', current_database(), 'CREATE') THEN
      EXECUTE format('GRANT CREATE, CONNECT, TEMPORARY ON DATABASE %I TO cch_owner', current_database());
    END IF;
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'cch_migrate' AND nspowner <> 'cch_owner'::regrole) THEN
      ALTER SCHEMA cch_migrate OWNER TO cch_owner;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass('cch_migrate.revisions') AND relowner <> 'cch_owner'::regrole) THEN
      ALTER TABLE cch_migrate.revisions OWNER TO cch_owner;
    END IF;
    -- Every hand-written file ends with CALL core.claim_ownership().
    IF to_regprocedure('core.claim_ownership()') IS NOT NULL
       AND NOT has_function_privilege('cch_owner', 'core.claim_ownership()', 'EXECUTE') THEN
      GRANT EXECUTE ON PROCEDURE core.claim_ownership() TO cch_owner;
    END IF;
  END IF;

  -- cch_pub is an explicit table list with column lists that leave secrets
  -- out (core.publish_tables(), called by the migrations as the owner), so
  -- the owner must own it. An older schema-wide publication is converted
  -- here: only a superuser may drop its schemas, and only then may the
  -- owner, not a superuser, own it.
  FOR pubschema IN
    SELECT n.nspname FROM pg_publication_namespace pn
    JOIN pg_publication p ON p.oid = pn.pnpubid JOIN pg_namespace n ON n.oid = pn.pnnspid
    WHERE p.pubname = 'cch_pub'
  LOOP
    EXECUTE format('ALTER PUBLICATION cch_pub DROP TABLES IN SCHEMA %I', pubschema);
    converted := true;
  END LOOP;
  IF converted AND to_regprocedure('core.publish_tables()') IS NOT NULL THEN
    CALL core.publish_tables();
  END IF;
  -- Statement statistics for the slow-query metrics (the library is
  -- preloaded by deploy/postgresql.conf; without it the view is empty).
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements')
     AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements') THEN
    BEGIN
      CREATE EXTENSION pg_stat_statements;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently
    END;
  END IF;
  -- On a fresh database it starts empty; the migrations fill it.
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'cch_pub')
     AND (SELECT count(*) FROM pg_namespace
          WHERE nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')) = 6 THEN
    CREATE PUBLICATION cch_pub WITH (publish_via_partition_root = true);
  END IF;
  IF to_regrole('cch_owner') IS NOT NULL
     AND EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'cch_pub' AND pubowner <> to_regrole('cch_owner')) THEN
    ALTER PUBLICATION cch_pub OWNER TO cch_owner;
  END IF;
END
$$`

// partitionMoverSQL makes the only way rows leave an append-only table: the
// memberless role cch_partition_mover and cch_partition.split_default_partition, a
// SECURITY DEFINER function it owns that moves one month out of a DEFAULT
// partition (the APPEND trigger lets a DELETE through only while
// current_user is that role). Only a superuser may create the role and give
// it the function, so it lives here (in schema cch_partition, beside the
// business schemas); the function is created once (a new version would need a new name or a
// superuser step).
const partitionMoverSQL = `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_partition_mover') THEN
    BEGIN
      CREATE ROLE cch_partition_mover NOLOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently by another database's bootstrap
    END;
  END IF;
  -- Owner rights (create partitions, move rows) while running the function.
  IF to_regrole('cch_owner') IS NOT NULL AND NOT pg_has_role('cch_partition_mover', 'cch_owner', 'MEMBER') THEN
    BEGIN
      GRANT cch_owner TO cch_partition_mover;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$;
DO $do$
BEGIN
  IF to_regrole('cch_owner') IS NOT NULL
     AND to_regprocedure('cch_partition.split_default_partition(regclass, text, timestamptz, timestamptz)') IS NULL THEN
    -- Its own schema: the migrations' claim_ownership (every business
    -- schema's objects to cch_owner) never reaches it.
    CREATE SCHEMA IF NOT EXISTS cch_partition AUTHORIZATION cch_partition_mover;
    GRANT USAGE ON SCHEMA cch_partition TO cch_owner;
    -- Moves the rows of [p_lo, p_hi) out of p_parent's DEFAULT partition into a
    -- new partition p_parent_YYYYMM... named p_child, created for that range.
    CREATE FUNCTION cch_partition.split_default_partition(p_parent regclass, p_child text, p_lo timestamptz, p_hi timestamptz)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    DECLARE
      nsp text;
      rel text;
      key text;
      moved bigint;
    BEGIN
      SELECT n.nspname, c.relname, a.attname INTO nsp, rel, key
      FROM pg_partitioned_table pt
      JOIN pg_class c ON c.oid = pt.partrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
      WHERE c.oid = p_parent AND pt.partstrat = 'r' AND NOT c.relispartition
        AND n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit');
      IF rel IS NULL OR p_lo IS NULL OR p_hi IS NULL OR p_lo >= p_hi
         OR p_child IS DISTINCT FROM rel || '_' || to_char(p_lo AT TIME ZONE 'UTC', 'YYYYMM')
         OR to_regclass(format('%I.%I', nsp, rel || '_default')) IS NULL THEN
        RAISE EXCEPTION 'split_default_partition: % is not a range-partitioned business table with a DEFAULT partition, or % [%, %) is not its month',
          p_parent, p_child, p_lo, p_hi USING ERRCODE = 'invalid_parameter_value';
      END IF;
      EXECUTE format('CREATE TEMP TABLE cch_partition_move (LIKE %s) ON COMMIT DROP', p_parent);
      EXECUTE format('WITH moved AS (DELETE FROM %I.%I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO pg_temp.cch_partition_move SELECT * FROM moved',
                     nsp, rel || '_default', key, key) USING p_lo, p_hi;
      GET DIAGNOSTICS moved = ROW_COUNT;
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', nsp, p_child, p_parent, p_lo, p_hi);
      EXECUTE format('INSERT INTO %I.%I OVERRIDING SYSTEM VALUE SELECT * FROM pg_temp.cch_partition_move', nsp, p_child);
      DROP TABLE pg_temp.cch_partition_move;
      -- As if cch_owner had created it (owner, and the CDC login's SELECT).
      EXECUTE format('ALTER TABLE %I.%I OWNER TO cch_owner', nsp, p_child);
      EXECUTE format('GRANT SELECT ON %I.%I TO cch_replicator', nsp, p_child);
      RETURN moved;
    END
    $fn$;
    ALTER FUNCTION cch_partition.split_default_partition(regclass, text, timestamptz, timestamptz) OWNER TO cch_partition_mover;
    REVOKE ALL ON FUNCTION cch_partition.split_default_partition(regclass, text, timestamptz, timestamptz) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION cch_partition.split_default_partition(regclass, text, timestamptz, timestamptz) TO cch_owner;
  END IF;
END
$do$;
`

// backupRoleSQL makes cch_backup, the role pg_dump runs as (a superuser
// step):
//   - pg_read_all_data: SELECT on every table and sequence, USAGE on every
//     schema, today's and future ones (cch_migrate's history included,
//     which the owner's dump could not read);
//   - BYPASSRLS: pg_dump turns row_security off and then needs it; without
//     it a dump fails, and with --enable-row-security under FORCE ROW LEVEL
//     SECURITY it silently dumps no tenant's rows;
//   - REPLICATION: `cch backup` takes base backups (pg_basebackup) and
//     archives WAL (pg_receivewal on a physical slot) as this role.
//
// It writes nothing. LOGIN without a password: the operator sets one
// (ALTER ROLE cch_backup PASSWORD …, see deploy/README.md).
//
// Several databases of one cluster may run this at once (tests): every
// change is made only when missing, and a concurrent creation is tolerated.
const backupRoleSQL = `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_backup') THEN
    BEGIN
      CREATE ROLE cch_backup LOGIN BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE REPLICATION;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently by another database's migration
    END;
  ELSIF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_backup' AND rolcanlogin AND rolbypassrls
                      AND NOT rolsuper AND NOT rolcreatedb AND NOT rolcreaterole AND rolreplication) THEN
    ALTER ROLE cch_backup LOGIN BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE REPLICATION;
  END IF;
  IF NOT pg_has_role('cch_backup', 'pg_read_all_data', 'MEMBER') THEN
    BEGIN
      GRANT pg_read_all_data TO cch_backup;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$;
`

// LoginRoles are the roles that log in; Bootstrap sets the passwords it
// is given for them.
var LoginRoles = []string{"cch_owner", "cch_app", "cch_replicator", "cch_worker"}

// BootstrapOptions are the optional parts of Bootstrap.
type BootstrapOptions struct {
	// Passwords sets the password of each named login role (LoginRoles);
	// roles not named keep theirs.
	Passwords map[string]string
	// Log receives one line per applied file. Default: discard.
	Log *slog.Logger
}

// Bootstrap runs the superuser step on the database at superuserURL: it
// applies the pending bootstrap migration files that are next in line,
// then BootstrapSQL, then sets the given passwords. It returns the names
// of the files it applied. Run it before `ApplyDir` as the owner, on a
// fresh database and after every upgrade; it is a no-op when nothing is
// missing.
func Bootstrap(ctx context.Context, superuserURL string, dir migrate.Dir, opts BootstrapOptions) (applied []string, err error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	files, err := verifiedFiles(dir)
	if err != nil {
		return nil, err
	}
	conn, err := connect(ctx, superuserURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if super, err := isSuperuser(ctx, conn); err != nil {
		return nil, err
	} else if !super {
		return nil, errors.New("bootstrap: the database URL must name a superuser (it creates roles and the publication)")
	}
	unlock, err := lock(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer func() { err = joinUnlock(err, unlock(context.WithoutCancel(ctx))) }()
	pending, err := pendingOn(ctx, conn, files)
	if err != nil {
		return nil, err
	}
	for _, f := range pending {
		if !needsSuperuser(f) {
			break
		}
		if err := applyFile(ctx, conn, f); err != nil {
			return applied, err
		}
		applied = append(applied, f.Name())
		opts.Log.Info("migration applied", "file", f.Name())
	}
	if err := runBootstrapSQL(ctx, conn); err != nil {
		return applied, err
	}
	// The owner logs in to migrate (the bootstrap file creates it NOLOGIN).
	if _, err := conn.Exec(ctx, `DO $$ BEGIN
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_owner' AND rolcanlogin) THEN ALTER ROLE cch_owner LOGIN; END IF;
		END $$`); err != nil {
		return applied, fmt.Errorf("bootstrap: owner login: %w", err)
	}
	return applied, setPasswords(ctx, conn, opts.Passwords)
}

// needsSuperuser reports whether f is a bootstrap file.
func needsSuperuser(f migrate.File) bool {
	return f.Desc() == "bootstrap" || strings.HasSuffix(f.Desc(), "_bootstrap")
}

func isSuperuser(ctx context.Context, conn *pgx.Conn) (bool, error) {
	var super bool
	if err := conn.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil {
		return false, fmt.Errorf("look up the migrating role: %w", err)
	}
	return super, nil
}

func runBootstrapSQL(ctx context.Context, conn *pgx.Conn) error {
	if _, err := conn.PgConn().Exec(ctx, BootstrapSQL+";"+partitionMoverSQL+partitionArchiveSQL+backupRoleSQL+reportingRoleSQL).ReadAll(); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	return nil
}

// setPasswords sets each role's password (quoted by the server's format
// %L: ALTER ROLE takes no bind parameters).
func setPasswords(ctx context.Context, conn *pgx.Conn, passwords map[string]string) error {
	roles := make([]string, 0, len(passwords))
	for role := range passwords {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	for _, role := range roles {
		if !isLoginRole(role) {
			return fmt.Errorf("bootstrap: %q is not a login role (%s)", role, strings.Join(LoginRoles, ", "))
		}
		var stmt string
		if err := conn.QueryRow(ctx, "SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', $1::text, $2::text)", role, passwords[role]).Scan(&stmt); err != nil {
			return fmt.Errorf("bootstrap: password of %s: %w", role, err)
		}
		if _, err := conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("bootstrap: password of %s: %w", role, err)
		}
	}
	return nil
}

func isLoginRole(role string) bool {
	for _, r := range LoginRoles {
		if r == role {
			return true
		}
	}
	return false
}
