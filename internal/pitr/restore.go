package pitr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"

	"github.com/carcarehub/cch/internal/pglocal"
)

// Target is a recovery target: a time or an LSN (exactly one).
type Target struct {
	Time time.Time
	LSN  pglogrepl.LSN
}

// ParseTarget reads an RFC 3339 time or an LSN (0/3000148).
func ParseTarget(s string) (Target, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return Target{Time: t}, nil
	}
	if strings.Contains(s, "/") {
		lsn, err := pglogrepl.ParseLSN(s)
		if err == nil && lsn != 0 {
			return Target{LSN: lsn}, nil
		}
	}
	return Target{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-12-04T17:00:00Z) nor an LSN (0/3000148)", s)
}

func (t Target) String() string {
	if t.LSN != 0 {
		return t.LSN.String()
	}
	return t.Time.UTC().Format(time.RFC3339Nano)
}

// settings are the recovery settings of postgresql.auto.conf.
func (t Target) settings(walDir string) string {
	s := fmt.Sprintf("\n# --- cch restore ---\nrestore_command = 'cp \"%s/%%f\" \"%%p\"'\nrecovery_target_action = 'promote'\nrecovery_target_inclusive = on\n", walDir)
	if t.LSN != 0 {
		return s + fmt.Sprintf("recovery_target_lsn = '%s'\n", t.LSN)
	}
	return s + fmt.Sprintf("recovery_target_time = '%s'\n", t.Time.UTC().Format("2006-01-02 15:04:05.999999")+"+00")
}

// choose picks the newest base backup that is consistent before target.
func (t Target) choose(bases []Base) (Base, error) {
	for i := len(bases) - 1; i >= 0; i-- {
		b := bases[i]
		if t.LSN != 0 {
			end, err := pglogrepl.ParseLSN(b.EndLSN)
			if err == nil && end <= t.LSN {
				return b, nil
			}
			continue
		}
		if !b.FinishedAt.After(t.Time) {
			return b, nil
		}
	}
	return Base{}, fmt.Errorf("no base backup is consistent before %s (%d backups)", t, len(bases))
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	Base     Base
	Segments int // WAL files given to recovery
	Elapsed  time.Duration
}

// Restore builds a new cluster directory into (Start's layout: into/data)
// from the newest base backup of backupDir consistent before target and the
// archived WAL after it, recovers it to target (promoting at the target)
// and leaves it shut down cleanly. into must not exist or be empty. The
// restored cluster has the source's roles and passwords; to run it with
// pglocal.Start put the source superuser's password in
// into/superuser.password.
func Restore(ctx context.Context, binDir, backupDir, into string, target Target) (RestoreResult, error) {
	t0 := time.Now()
	into, err := filepath.Abs(into)
	if err != nil {
		return RestoreResult{}, err
	}
	if err := emptyDir(into); err != nil {
		return RestoreResult{}, err
	}
	bases, err := ListBases(backupDir)
	if err != nil {
		return RestoreResult{}, err
	}
	base, err := target.choose(bases)
	if err != nil {
		return RestoreResult{}, err
	}
	dataDir := filepath.Join(into, "data")
	if err := copyTree(base.Dir(backupDir), dataDir, func(rel string) bool { return rel == ManifestFile }); err != nil {
		return RestoreResult{}, fmt.Errorf("copy base backup %s: %w", base.Name, err)
	}
	walDir := filepath.Join(into, "restore-wal")
	n, err := stageWAL(filepath.Join(backupDir, "wal"), walDir, base.StartWAL)
	if err != nil {
		return RestoreResult{}, err
	}
	if err := appendFile(filepath.Join(dataDir, "postgresql.auto.conf"), target.settings(walDir)); err != nil {
		return RestoreResult{}, err
	}
	if err := os.WriteFile(filepath.Join(dataDir, "recovery.signal"), nil, 0o600); err != nil {
		return RestoreResult{}, err
	}
	if err := pglocal.Recover(ctx, pglocal.RecoverConfig{Dir: into, BinDir: binDir}); err != nil {
		return RestoreResult{}, err
	}
	if err := os.RemoveAll(walDir); err != nil {
		return RestoreResult{}, err
	}
	if err := stripRecoverySettings(filepath.Join(dataDir, "postgresql.auto.conf")); err != nil {
		return RestoreResult{}, err
	}
	return RestoreResult{Base: base, Segments: n, Elapsed: time.Since(t0)}, nil
}

// stageWAL copies the archived WAL from the base backup's first segment on
// (and every timeline history file) where recovery reads it; the segment
// still being received (*.partial) is given its final name unless the
// complete segment exists.
func stageWAL(from, to, startWAL string) (int, error) {
	if err := os.MkdirAll(to, 0o700); err != nil {
		return 0, err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return 0, fmt.Errorf("WAL archive: %w", err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		dst := strings.TrimSuffix(name, ".partial")
		switch {
		case strings.HasSuffix(name, ".history"):
		case !isSegment(name) || segmentBefore(name, startWAL):
			continue
		case name != dst && fileExists(filepath.Join(from, dst)):
			continue
		}
		if err := copyFile(filepath.Join(from, name), filepath.Join(to, dst)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// stripRecoverySettings removes what Restore appended, so the restored
// cluster starts as an ordinary primary.
func stripRecoverySettings(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(raw)
	if i := strings.Index(s, "\n# --- cch restore ---\n"); i >= 0 {
		s = s[:i] + "\n"
	}
	return os.WriteFile(path, []byte(s), 0o600)
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	} else if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty: restore into a new directory", dir)
	}
	return os.Chmod(dir, 0o755)
}

// copyTree copies the regular files and directories under src to dst,
// leaving out the paths skip names (relative to src).
func copyTree(src, dst string, skip func(rel string) bool) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if skip(rel) {
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file (tablespaces are not supported)", p)
		}
		return copyFile(p, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
