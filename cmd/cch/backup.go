package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/internal/pitr"
)

func init() {
	register(command{name: "backup", summary: "base backups (pg_basebackup) and the continuous WAL archive (pg_receivewal) into a directory, with retention",
		new: func(stdout, stderr io.Writer) runner { return &backupCmd{stdout: stdout, stderr: stderr} }})
}

// backupConfig is the configuration of `cch backup`.
type backupConfig struct {
	DatabaseURL  string        // --database-url: a REPLICATION login (cch_backup). Required.
	Dir          string        // --dir: backup directory (base/, wal/). Required.
	Keep         int           // --keep: base backups kept; older ones and the WAL only they need are removed. Default 7.
	BaseInterval time.Duration // --base-interval: time between base backups. Default 24h.
	Slot         string        // --slot: physical replication slot of the WAL archive. Default cch_backup.
	Once         bool          // --once: one base backup (archiving WAL meanwhile), retention, exit.
	PgBin        string        // --pg-bin: directory of pg_basebackup and pg_receivewal. Default: search.
}

func (c *backupConfig) validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url (CCH_DATABASE_URL) is required"))
	}
	if c.Dir == "" {
		errs = append(errs, errors.New("--dir (CCH_DIR) is required"))
	}
	if c.Keep < 1 {
		errs = append(errs, fmt.Errorf("--keep %d: keep at least one base backup", c.Keep))
	}
	if c.BaseInterval < time.Minute {
		errs = append(errs, fmt.Errorf("--base-interval %s: at least 1m", c.BaseInterval))
	}
	if c.Slot == "" {
		errs = append(errs, errors.New("--slot must not be empty"))
	}
	return errors.Join(errs...)
}

type backupCmd struct {
	stdout, stderr io.Writer
	cfg            backupConfig
}

func (b *backupCmd) Parse(args []string) error {
	f := newFlags("backup", b.stderr)
	f.String(&b.cfg.DatabaseURL, "database-url", "", "PostgreSQL URL of a REPLICATION login (cch_backup)")
	f.String(&b.cfg.Dir, "dir", "", "backup directory: base/<time>/ base backups, wal/ the WAL archive")
	f.Int(&b.cfg.Keep, "keep", 7, "base backups to keep (older ones and the WAL only they need are removed)")
	f.Duration(&b.cfg.BaseInterval, "base-interval", 24*time.Hour, "time between base backups")
	f.String(&b.cfg.Slot, "slot", pitr.DefaultSlot, "physical replication slot the WAL archive streams from")
	f.Bool(&b.cfg.Once, "once", false, "take one base backup (archiving WAL meanwhile), apply retention and exit")
	f.String(&b.cfg.PgBin, "pg-bin", "", "directory of pg_basebackup and pg_receivewal (default: search)")
	return f.Parse(args, b.cfg.validate)
}

// Run archives WAL continuously and takes a base backup now and every
// --base-interval, applying retention after each, until ctx ends.
func (b *backupCmd) Run(ctx context.Context) error {
	bin, err := pglocal.FindBinDir(b.cfg.PgBin)
	if err != nil {
		return err
	}
	tools := pitr.Tools{BinDir: bin}
	if err := tools.CreateSlot(ctx, b.cfg.DatabaseURL, b.cfg.Slot); err != nil {
		return err
	}
	recv, err := tools.StartReceiver(b.cfg.DatabaseURL, b.cfg.Dir, b.cfg.Slot, b.stderr)
	if err != nil {
		return err
	}
	defer recv.Stop()
	fmt.Fprintf(b.stdout, "archiving WAL into %s/wal (slot %s)\n", b.cfg.Dir, b.cfg.Slot)
	for {
		if err := b.base(ctx, tools); err != nil {
			return err
		}
		if b.cfg.Once {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-recv.Done():
			return fmt.Errorf("pg_receivewal exited: %v", err)
		case <-time.After(b.cfg.BaseInterval):
		}
	}
}

// base takes one base backup and applies retention.
func (b *backupCmd) base(ctx context.Context, tools pitr.Tools) error {
	base, err := tools.TakeBase(ctx, b.cfg.DatabaseURL, b.cfg.Dir)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	fmt.Fprintf(b.stdout, "base backup %s: %d MiB, WAL %s–%s (from %s) in %s\n", base.Name, base.Bytes>>20,
		base.StartLSN, base.EndLSN, base.StartWAL, base.FinishedAt.Sub(base.StartedAt).Round(time.Millisecond))
	removed, err := pitr.Prune(b.cfg.Dir, b.cfg.Keep)
	if len(removed) > 0 {
		fmt.Fprintf(b.stdout, "retention (keep %d): removed %d file(s)/backup(s)\n", b.cfg.Keep, len(removed))
	}
	return err
}

func (b *backupCmd) Close() error { return nil }
