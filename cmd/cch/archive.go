package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/carcarehub/cch/archive"
)

func init() {
	register(command{name: "archive", summary: "move months older than --older-than of the time-series tables to verified Parquet files, then drop their partitions; archive erase: bring a customer's erasure to those files",
		new: func(stdout, stderr io.Writer) runner { return &archiveCmd{stdout: stdout, stderr: stderr} }})
}

// archiveConfig is the configuration of `cch archive`.
type archiveConfig struct {
	DatabaseURL string // --database-url: the owner's login (cch_owner). Required.
	Dir         string // --dir: archive directory (Parquet files and manifest.json). Required.
	OlderThan   string // --older-than: retention: 24mo, 90d or a Go duration; months ending before now minus it are archived. Required.
	LogLevel    string // --log-level. Default info.
}

func (c *archiveConfig) validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url (CCH_DATABASE_URL) is required"))
	}
	if c.Dir == "" {
		errs = append(errs, errors.New("--dir (CCH_DIR) is required"))
	}
	if _, err := cutoff(c.OlderThan, time.Now()); err != nil {
		errs = append(errs, fmt.Errorf("--older-than: %w", err))
	}
	if !validLevel(c.LogLevel) {
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// cutoff is now minus a retention of N months (24mo), N days (90d) or a Go
// duration (2160h); it must be at least a month, so the current month is
// never archived.
func cutoff(retention string, now time.Time) (time.Time, error) {
	now = now.UTC()
	var t time.Time
	switch {
	case retention == "":
		return t, errors.New("required (e.g. 24mo, 400d)")
	case strings.HasSuffix(retention, "mo"):
		n, err := strconv.Atoi(strings.TrimSuffix(retention, "mo"))
		if err != nil || n < 1 {
			return t, fmt.Errorf("%q: want a positive number of months (24mo)", retention)
		}
		t = now.AddDate(0, -n, 0)
	case strings.HasSuffix(retention, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(retention, "d"))
		if err != nil || n < 1 {
			return t, fmt.Errorf("%q: want a positive number of days (400d)", retention)
		}
		t = now.AddDate(0, 0, -n)
	default:
		d, err := time.ParseDuration(retention)
		if err != nil || d <= 0 {
			return t, fmt.Errorf("%q: want 24mo, 400d or a Go duration", retention)
		}
		t = now.Add(-d)
	}
	if t.After(now.AddDate(0, -1, 0)) {
		return t, fmt.Errorf("%q: keep at least a month", retention)
	}
	return t, nil
}

type archiveCmd struct {
	stdout, stderr io.Writer
	cfg            archiveConfig
	erase          *archiveEraseConfig // set by `cch archive erase`
}

func (a *archiveCmd) Parse(args []string) error {
	if len(args) > 0 && args[0] == "erase" {
		return a.parseErase(args[1:])
	}
	f := newFlags("archive", a.stderr)
	f.String(&a.cfg.DatabaseURL, "database-url", "", "PostgreSQL URL of the owner's login (cch_owner)")
	f.String(&a.cfg.Dir, "dir", "", "archive directory: <schema>.<table>/<partition>.parquet and manifest.json")
	f.String(&a.cfg.OlderThan, "older-than", "", "retention: months ending before now minus this are archived (24mo, 400d, or a Go duration)")
	f.String(&a.cfg.LogLevel, "log-level", "info", "debug, info, warn or error")
	return f.Parse(args, a.cfg.validate)
}

// Run archives the aged partitions and prints what it moved.
func (a *archiveCmd) Run(ctx context.Context) error {
	if a.erase != nil {
		return a.runErase(ctx)
	}
	before, _ := cutoff(a.cfg.OlderThan, time.Now())
	log := newLogger(a.stderr, a.cfg.LogLevel)
	res, err := archive.Run(ctx, archive.Options{DatabaseURL: a.cfg.DatabaseURL, Dir: a.cfg.Dir, Before: before, Log: log})
	for _, e := range res.Partitions {
		fmt.Fprintf(a.stdout, "archived %s: %d rows, %d bytes, sha256 %s → %s\n", e.Partition, e.Rows, e.Bytes, e.SHA256, e.File)
	}
	if err != nil {
		return err
	}
	rate := 0.0
	if s := res.Elapsed.Seconds(); s > 0 {
		rate = float64(res.Rows) / s
	}
	fmt.Fprintf(a.stdout, "OK: %d partition(s), %d rows archived in %.1f s (%.0f rows/s)\n", len(res.Partitions), res.Rows, res.Elapsed.Seconds(), rate)
	return nil
}

func (a *archiveCmd) Close() error { return nil }
