package migrations

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"time"

	"ariga.io/atlas/sql/migrate"
	"github.com/jackc/pgx/v5"
)

// FS holds the migration files and atlas.sum, compiled into the binary.
//
//go:embed *.sql atlas.sum
var FS embed.FS

// Revision is one applied migration as recorded in the database.
type Revision struct {
	Version     string    // file version (the name's prefix up to the first "_")
	Description string    // the rest of the file name, without ".sql"
	Hash        string    // sha256 of the file's bytes when it was applied, hex
	AppliedAt   time.Time // commit time of the transaction that applied it
}

// Status is where a database stands relative to a migration directory.
type Status struct {
	Applied []Revision // in version order
	Pending []string   // file names not yet applied, in order
	Current string     // version of the last applied file; "" when none
}

// Apply brings the database at databaseURL up to date with the embedded
// migrations and returns the names of the files it applied (none when the
// database was current). See ApplyDir.
func Apply(ctx context.Context, databaseURL string, log *slog.Logger) ([]string, error) {
	return ApplyDir(ctx, databaseURL, Embedded(), log)
}

// ApplyDir applies the pending files of dir to the database at databaseURL.
//
// It refuses a directory that does not match its atlas.sum and a database
// whose applied files differ from dir (a file edited after it was applied,
// an applied file missing, a new file older than the last applied one).
// Concurrent calls against one database serialise on an advisory lock.
// Each file runs in its own transaction together with its revision row,
// unless its header says "-- atlas:txmode none" (see doc.go).
func ApplyDir(ctx context.Context, databaseURL string, dir migrate.Dir, log *slog.Logger) ([]string, error) {
	files, err := verifiedFiles(dir)
	if err != nil {
		return nil, err
	}
	return applyFiles(ctx, databaseURL, files, log)
}

// pendingOn is the part of files not yet applied to the database on conn
// (the migration history is created when missing).
func pendingOn(ctx context.Context, conn *pgx.Conn, files []migrate.File) ([]migrate.File, error) {
	if err := ensureRevisionsTable(ctx, conn); err != nil {
		return nil, err
	}
	revs, err := readRevisions(ctx, conn)
	if err != nil {
		return nil, err
	}
	return pendingFiles(files, revs)
}

// applyFiles applies the pending ones of files (already verified).
func applyFiles(ctx context.Context, databaseURL string, files []migrate.File, log *slog.Logger) (applied []string, err error) {
	conn, err := connect(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	unlock, err := lock(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer func() { err = joinUnlock(err, unlock(context.WithoutCancel(ctx))) }()
	pending, err := pendingOn(ctx, conn, files)
	if err != nil {
		return nil, err
	}
	super, err := isSuperuser(ctx, conn)
	if err != nil {
		return nil, err
	}
	if super {
		if err := runBootstrapSQL(ctx, conn); err != nil {
			return nil, err
		}
	}
	for _, f := range pending {
		if needsSuperuser(f) && !super {
			return applied, fmt.Errorf("migration %s %w", f.Name(), ErrNeedsBootstrap)
		}
		start := time.Now()
		if err := applyFile(ctx, conn, f); err != nil {
			return applied, err
		}
		applied = append(applied, f.Name())
		log.Info("migration applied", "file", f.Name(), "took", time.Since(start).Round(time.Millisecond))
		if super && needsSuperuser(f) {
			if err := runBootstrapSQL(ctx, conn); err != nil {
				return applied, err
			}
		}
	}
	if len(pending) == 0 {
		log.Debug("migrations current", "files", len(files))
	}
	return applied, nil
}

// StatusOf reports the embedded migrations' status on the database at
// databaseURL. See StatusDir.
func StatusOf(ctx context.Context, databaseURL string) (Status, error) {
	return StatusDir(ctx, databaseURL, Embedded())
}

// StatusDir reports which files of dir are applied to the database at
// databaseURL and which are pending. It fails on the same inconsistencies
// ApplyDir refuses, so a nil error with no pending files means current.
func StatusDir(ctx context.Context, databaseURL string, dir migrate.Dir) (Status, error) {
	files, err := verifiedFiles(dir)
	if err != nil {
		return Status{}, err
	}
	conn, err := connect(ctx, databaseURL)
	if err != nil {
		return Status{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var revs []Revision
	if exists, err := revisionsTableExists(ctx, conn); err != nil {
		return Status{}, err
	} else if exists {
		if revs, err = readRevisions(ctx, conn); err != nil {
			return Status{}, err
		}
	}
	pending, err := pendingFiles(files, revs)
	if err != nil {
		return Status{}, err
	}
	st := Status{Applied: revs}
	for _, f := range pending {
		st.Pending = append(st.Pending, f.Name())
	}
	if len(revs) > 0 {
		st.Current = revs[len(revs)-1].Version
	}
	return st, nil
}

func connect(ctx context.Context, databaseURL string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "cch-migrate"
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return conn, nil
}
