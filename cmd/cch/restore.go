package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/internal/pitr"
)

func init() {
	register(command{name: "restore", summary: "point-in-time recovery from a `cch backup` directory into a new cluster directory",
		new: func(stdout, stderr io.Writer) runner { return &restoreCmd{stdout: stdout, stderr: stderr} }})
}

// restoreConfig is the configuration of `cch restore`.
type restoreConfig struct {
	From  string // --from: the `cch backup` directory. Required.
	To    string // --to: RFC 3339 time or LSN to recover to. Required.
	Into  string // --into: new, empty cluster directory (PGDATA is <into>/data). Required.
	PgBin string // --pg-bin: directory of postgres. Default: search.
}

func (c *restoreConfig) validate() error {
	var errs []error
	for _, f := range []struct{ v, name string }{{c.From, "--from (CCH_FROM)"}, {c.To, "--to (CCH_TO)"}, {c.Into, "--into (CCH_INTO)"}} {
		if f.v == "" {
			errs = append(errs, fmt.Errorf("%s is required", f.name))
		}
	}
	if c.To != "" {
		if _, err := pitr.ParseTarget(c.To); err != nil {
			errs = append(errs, fmt.Errorf("--to: %w", err))
		}
	}
	return errors.Join(errs...)
}

type restoreCmd struct {
	stdout, stderr io.Writer
	cfg            restoreConfig
}

func (r *restoreCmd) Parse(args []string) error {
	f := newFlags("restore", r.stderr)
	f.String(&r.cfg.From, "from", "", "backup directory written by cch backup")
	f.String(&r.cfg.To, "to", "", "recovery target: RFC 3339 time (2026-12-04T17:00:00Z) or LSN (0/3000148)")
	f.String(&r.cfg.Into, "into", "", "new cluster directory (PGDATA is <into>/data); must not exist or be empty")
	f.String(&r.cfg.PgBin, "pg-bin", "", "directory of postgres (default: search)")
	return f.Parse(args, r.cfg.validate)
}

// Run restores and prints what it used and how long it took.
func (r *restoreCmd) Run(ctx context.Context) error {
	target, _ := pitr.ParseTarget(r.cfg.To)
	bin, err := pglocal.FindBinDir(r.cfg.PgBin)
	if err != nil {
		return err
	}
	res, err := pitr.Restore(ctx, bin, r.cfg.From, r.cfg.Into, target)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "restored %s/data to %s from base backup %s and %d WAL file(s) in %.1f s; the cluster is shut down, start it as the postgres user\n",
		r.cfg.Into, target, res.Base.Name, res.Segments, res.Elapsed.Seconds())
	return nil
}

func (r *restoreCmd) Close() error { return nil }
