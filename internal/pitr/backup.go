// Package pitr keeps physical backups of a PostgreSQL server in a directory
// and restores them to a point in time: base backups (pg_basebackup) under
// DIR/base/, the continuous WAL archive (pg_receivewal on a physical slot)
// under DIR/wal/, retention by number of base backups, and Restore, which
// builds a new cluster directory recovered to a time or an LSN.
package pitr

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
)

// ManifestFile is the file in each base backup directory that describes it.
const ManifestFile = "cch-backup.json"

// Base describes one complete base backup under DIR/base/<Name>.
type Base struct {
	Name string `json:"name"`
	// StartWAL is the WAL segment file the backup needs first (its
	// backup_label's START WAL LOCATION file).
	StartWAL string `json:"start_wal"`
	// StartLSN and EndLSN bound the WAL the backup needs to be consistent.
	StartLSN string `json:"start_lsn"`
	EndLSN   string `json:"end_lsn"`
	// StartedAt and FinishedAt are wall-clock times around pg_basebackup;
	// the backup is consistent at a point before FinishedAt.
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Bytes      int64     `json:"bytes"`
}

// Dir returns the base backup's data directory under backupDir.
func (b Base) Dir(backupDir string) string { return filepath.Join(backupDir, "base", b.Name) }

// Tools runs the PostgreSQL client programs of one installation.
type Tools struct {
	// BinDir holds pg_basebackup and pg_receivewal.
	BinDir string
}

func (t Tools) path(name string) string { return filepath.Join(t.BinDir, name) }

// TakeBase runs pg_basebackup (plain format, fast checkpoint, the WAL it
// needs streamed alongside) into DIR/base/<UTC time>, writes its manifest
// and returns it. A failed run leaves no directory behind.
func (t Tools) TakeBase(ctx context.Context, url, backupDir string) (Base, error) {
	started := time.Now().UTC()
	b := Base{Name: started.Format("20060102T150405.000Z"), StartedAt: started}
	final := b.Dir(backupDir)
	tmp := final + ".partial"
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return Base{}, err
	}
	cmd := exec.CommandContext(ctx, t.path("pg_basebackup"), "--dbname", url, "--pgdata", tmp,
		"--format", "plain", "--wal-method", "stream", "--checkpoint", "fast", "--no-password", "--label", "cch "+b.Name)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return Base{}, fmt.Errorf("pg_basebackup: %w: %s", err, strings.TrimSpace(string(out)))
	}
	b.FinishedAt = time.Now().UTC()
	if err := readBackupLabel(tmp, &b); err != nil {
		os.RemoveAll(tmp)
		return Base{}, err
	}
	if err := readWALRange(tmp, &b); err != nil {
		os.RemoveAll(tmp)
		return Base{}, err
	}
	b.Bytes = dirSize(tmp)
	if err := writeJSON(filepath.Join(tmp, ManifestFile), b); err != nil {
		os.RemoveAll(tmp)
		return Base{}, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return Base{}, err
	}
	return b, nil
}

// readBackupLabel takes the first WAL file from backup_label.
func readBackupLabel(dir string, b *Base) error {
	f, err := os.Open(filepath.Join(dir, "backup_label"))
	if err != nil {
		return fmt.Errorf("base backup without backup_label: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
		line := s.Text()
		if i := strings.Index(line, "(file "); strings.HasPrefix(line, "START WAL LOCATION:") && i > 0 {
			b.StartWAL = strings.TrimSuffix(line[i+len("(file "):], ")")
			return nil
		}
	}
	return errors.New("backup_label has no START WAL LOCATION")
}

// readWALRange takes the backup's WAL range from pg_basebackup's
// backup_manifest.
func readWALRange(dir string, b *Base) error {
	raw, err := os.ReadFile(filepath.Join(dir, "backup_manifest"))
	if err != nil {
		return fmt.Errorf("base backup without backup_manifest: %w", err)
	}
	var m struct {
		WALRanges []struct {
			StartLSN string `json:"Start-LSN"`
			EndLSN   string `json:"End-LSN"`
		} `json:"WAL-Ranges"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || len(m.WALRanges) == 0 {
		return fmt.Errorf("backup_manifest has no WAL range (%v)", err)
	}
	b.StartLSN = m.WALRanges[0].StartLSN
	b.EndLSN = m.WALRanges[len(m.WALRanges)-1].EndLSN
	return nil
}

// ListBases returns the complete base backups of backupDir, oldest first.
func ListBases(backupDir string) ([]Base, error) {
	entries, err := os.ReadDir(filepath.Join(backupDir, "base"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var bases []Base
	for _, e := range entries {
		if !e.IsDir() || strings.HasSuffix(e.Name(), ".partial") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(backupDir, "base", e.Name(), ManifestFile))
		if err != nil {
			continue // not finished, or not ours
		}
		var b Base
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		bases = append(bases, b)
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i].StartedAt.Before(bases[j].StartedAt) })
	return bases, nil
}

// Prune keeps the newest keep base backups and removes the older ones and
// every archived WAL segment older than the oldest kept backup needs. It
// returns what it removed.
func Prune(backupDir string, keep int) (removed []string, err error) {
	if keep < 1 {
		return nil, errors.New("retention must keep at least one base backup")
	}
	bases, err := ListBases(backupDir)
	if err != nil || len(bases) == 0 {
		return nil, err
	}
	for len(bases) > keep {
		if err := os.RemoveAll(bases[0].Dir(backupDir)); err != nil {
			return removed, err
		}
		removed = append(removed, "base/"+bases[0].Name)
		bases = bases[1:]
	}
	oldest := bases[0].StartWAL
	entries, err := os.ReadDir(filepath.Join(backupDir, "wal"))
	if errors.Is(err, os.ErrNotExist) {
		return removed, nil
	} else if err != nil {
		return removed, err
	}
	for _, e := range entries {
		if name := e.Name(); isSegment(name) && segmentBefore(name, oldest) {
			if err := os.Remove(filepath.Join(backupDir, "wal", name)); err != nil {
				return removed, err
			}
			removed = append(removed, "wal/"+name)
		}
	}
	return removed, nil
}

// isSegment reports whether name is a WAL segment file (24 hex digits,
// optionally .partial); timeline history files are never removed.
func isSegment(name string) bool {
	base := strings.TrimSuffix(name, ".partial")
	if len(base) != 24 {
		return false
	}
	for _, r := range base {
		if !strings.ContainsRune("0123456789ABCDEF", r) {
			return false
		}
	}
	return true
}

// segmentBefore compares segment positions ignoring the timeline (as
// pg_archivecleanup does).
func segmentBefore(name, than string) bool {
	return len(than) == 24 && name[8:24] < than[8:24]
}

// ParseLSN parses an LSN in PostgreSQL's text form (0/3000148).
func ParseLSN(s string) (pglogrepl.LSN, error) { return pglogrepl.ParseLSN(s) }

func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o600)
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
