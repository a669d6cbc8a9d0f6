package migrations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The revisions table: one row per applied file. The schema is outside the
// business schemas, so Diff and Drift never see it.
const (
	revisionsDDL = `
CREATE SCHEMA IF NOT EXISTS cch_migrate;
CREATE TABLE IF NOT EXISTS cch_migrate.revisions (
	version     text PRIMARY KEY,
	description text NOT NULL,
	hash        text NOT NULL,
	applied_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE cch_migrate.revisions IS 'migration files applied by cch migrate; hash = sha256 of the file bytes';`
)

// lockKey is the pg_advisory_lock key every apply takes (ASCII "cchmigr").
const lockKey int64 = 0x6363686d69677200

// ErrHistoryChanged is wrapped by errors about a database whose applied
// revisions no longer match the migration directory.
var ErrHistoryChanged = errors.New("migration history changed")

// lock takes the session-level advisory lock; the returned func releases it.
func lock(ctx context.Context, conn *pgx.Conn) (func(context.Context) error, error) {
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return nil, fmt.Errorf("take migration lock: %w", err)
	}
	return func(ctx context.Context) error {
		if conn.IsClosed() {
			return nil // the server released it with the session
		}
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", lockKey); err != nil {
			return fmt.Errorf("release migration lock: %w", err)
		}
		return nil
	}, nil
}

func joinUnlock(err, unlockErr error) error { return errors.Join(err, unlockErr) }

// ensureRevisionsTable creates the revisions table when it is missing (a
// present one is left alone: the owner may not create schemas in a
// database the bootstrap has not prepared, yet may use its own table).
func ensureRevisionsTable(ctx context.Context, conn *pgx.Conn) error {
	if ok, err := revisionsTableExists(ctx, conn); err != nil || ok {
		return err
	}
	if _, err := conn.PgConn().Exec(ctx, revisionsDDL).ReadAll(); err != nil {
		return fmt.Errorf("create revisions table: %w", err)
	}
	return nil
}

func revisionsTableExists(ctx context.Context, conn *pgx.Conn) (bool, error) {
	var ok bool
	err := conn.QueryRow(ctx, "SELECT to_regclass('cch_migrate.revisions') IS NOT NULL").Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look up revisions table: %w", err)
	}
	return ok, nil
}

func readRevisions(ctx context.Context, conn *pgx.Conn) ([]Revision, error) {
	rows, err := conn.Query(ctx, "SELECT version, description, hash, applied_at FROM cch_migrate.revisions ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("read revisions: %w", err)
	}
	revs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Revision, error) {
		var rev Revision
		err := r.Scan(&rev.Version, &rev.Description, &rev.Hash, &rev.AppliedAt)
		return rev, err
	})
	if err != nil {
		return nil, fmt.Errorf("read revisions: %w", err)
	}
	return revs, nil
}

// pendingFiles matches the applied revisions against files and returns
// those still to apply. Every applied revision must still be in files with
// the same bytes, and no pending file may sort before the last applied one.
func pendingFiles(files []migrate.File, revs []Revision) ([]migrate.File, error) {
	applied := make(map[string]Revision, len(revs))
	for _, r := range revs {
		applied[r.Version] = r
	}
	last := ""
	if len(revs) > 0 {
		last = revs[len(revs)-1].Version
	}
	var pending []migrate.File
	for _, f := range files {
		rev, ok := applied[f.Version()]
		if !ok {
			if f.Version() < last {
				return nil, fmt.Errorf("%w: file %s is not applied but sorts before the last applied version %s; give it a newer version", ErrHistoryChanged, f.Name(), last)
			}
			pending = append(pending, f)
			continue
		}
		delete(applied, f.Version())
		if h := fileHash(f); h != rev.Hash {
			return nil, fmt.Errorf("%w: file %s was modified after it was applied (applied %s)", ErrHistoryChanged, f.Name(), rev.AppliedAt.Format("2006-01-02 15:04:05Z07:00"))
		}
	}
	for _, r := range revs {
		if _, missing := applied[r.Version]; missing {
			return nil, fmt.Errorf("%w: applied version %s (%s) has no file in the directory", ErrHistoryChanged, r.Version, r.Description)
		}
	}
	return pending, nil
}

func fileHash(f migrate.File) string {
	sum := sha256.Sum256(f.Bytes())
	return hex.EncodeToString(sum[:])
}

// applyFile runs one file and records it. The whole file text goes to the
// server as one simple-protocol query, so dollar-quoted bodies (DO blocks,
// functions) need no client-side splitting.
func applyFile(ctx context.Context, conn *pgx.Conn, f migrate.File) error {
	if noTx(f) {
		return applyFileNoTx(ctx, conn, f)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", f.Name(), err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after commit
	if _, err := tx.Conn().PgConn().Exec(ctx, string(f.Bytes())).ReadAll(); err != nil {
		return fmt.Errorf("migration %s: %w", f.Name(), err)
	}
	if err := recordRevision(ctx, tx, f); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migration %s: commit: %w", f.Name(), err)
	}
	return nil
}

// applyFileNoTx runs a "-- atlas:txmode none" file statement by statement
// (split with Atlas's lexer, which understands dollar quoting), for
// statements that cannot run in a transaction block such as
// CREATE INDEX CONCURRENTLY. A failure leaves the file partly applied.
func applyFileNoTx(ctx context.Context, conn *pgx.Conn, f migrate.File) error {
	stmts, err := f.StmtDecls()
	if err != nil {
		return fmt.Errorf("migration %s: split statements: %w", f.Name(), err)
	}
	for _, s := range stmts {
		if _, err := conn.PgConn().Exec(ctx, s.Text).ReadAll(); err != nil {
			return fmt.Errorf("migration %s: statement at byte %d: %w (the file is partly applied)", f.Name(), s.Pos, err)
		}
	}
	return recordRevision(ctx, conn, f)
}

// execer is what recordRevision needs from a connection or transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func recordRevision(ctx context.Context, db execer, f migrate.File) error {
	_, err := db.Exec(ctx, "INSERT INTO cch_migrate.revisions (version, description, hash) VALUES ($1, $2, $3)",
		f.Version(), f.Desc(), fileHash(f))
	if err != nil {
		return fmt.Errorf("migration %s: record revision: %w", f.Name(), err)
	}
	return nil
}

func noTx(f migrate.File) bool {
	lf, ok := f.(*migrate.LocalFile)
	if !ok {
		return false
	}
	for _, d := range lf.Directive("txmode") {
		if strings.TrimSpace(d) == "none" {
			return true
		}
	}
	return false
}
