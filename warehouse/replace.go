package warehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// currentFile is the file Open uses for base: the one base+".current"
// names when a rebuild replaced it, else base itself. With cleanup (a
// writable open: the warehouse itself), files of earlier generations a
// crash left behind are removed.
func currentFile(base string, cleanup bool) (string, error) {
	cur, err := readCurrent(base)
	if err != nil || !cleanup {
		return cur, err
	}
	return cur, removeStale(base, cur)
}

// generationFile matches the files OpenSibling creates (and their WAL).
var generationFile = regexp.MustCompile(`^\.[0-9]+(\.wal)?$`)

// removeStale deletes base's generation files other than cur, and base
// itself when cur is not base.
func removeStale(base, cur string) error {
	matches, err := filepath.Glob(base + ".*")
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range matches {
		suffix := strings.TrimPrefix(m, base)
		if !generationFile.MatchString(suffix) || strings.TrimSuffix(m, ".wal") == cur {
			continue
		}
		errs = append(errs, removeFiles(strings.TrimSuffix(m, ".wal")))
	}
	if cur != base {
		errs = append(errs, removeFiles(base))
	}
	return errors.Join(errs...)
}

func readCurrent(base string) (string, error) {
	b, err := os.ReadFile(base + ".current")
	if errors.Is(err, os.ErrNotExist) {
		return base, nil
	}
	if err != nil {
		return "", fmt.Errorf("warehouse: read %s.current: %w", base, err)
	}
	name := strings.TrimSpace(string(b))
	if name == "" || filepath.Base(name) != name {
		return "", fmt.Errorf("warehouse: %s.current: bad file name %q", base, name)
	}
	return filepath.Join(filepath.Dir(base), name), nil
}

// OpenSibling opens a new, empty DuckDB file next to db's (base path plus
// a timestamp) with the same options: the file a rebuild fills while db
// keeps serving, for a file that can no longer be brought up to date (its
// slot is lost). From now on a restart opens the new file (base+".current"
// names it) and starts its snapshot over: the old file's position could
// otherwise be resumed against the rebuild's new slot, which holds no
// changes from before its creation.
func (db *DB) OpenSibling(ctx context.Context) (*DB, error) {
	path := fmt.Sprintf("%s.%d", db.base, time.Now().UnixNano())
	in, err := openInstance(ctx, path, db.opts)
	if err != nil {
		return nil, err
	}
	if err := writeCurrent(db.base, path); err != nil {
		return nil, errors.Join(err, in.connector.Close())
	}
	next := &DB{r: newRouter(in), base: db.base, opts: db.opts}
	next.DB = sqlOpen(next.r)
	if err := next.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open duckdb %s: %w", path, err), next.Close())
	}
	return next, nil
}

// Replace moves db's readers to next's file, atomically for each new
// connection: the instance-wide settings set through db (SET GLOBAL, e.g.
// analyst hardening) are applied to next first, base+".current" names
// next's file (a restart opens it), then new
// connections of db open on next's instance. Connections to the old file
// finish what they are doing and are then discarded; the old file is
// closed and deleted once the last of them is gone. next stays usable
// (the rebuilt pipeline writes through it) and must still be closed.
func (db *DB) Replace(ctx context.Context, next *DB) error {
	db.r.gmu.Lock()
	defer db.r.gmu.Unlock()
	for _, stmt := range db.r.globalStatements() {
		if _, err := next.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("replay %q on the new warehouse file: %w", stmt, err)
		}
	}
	in := next.r.instance()
	if err := writeCurrent(db.base, in.path); err != nil {
		return err
	}
	old := db.r.instance()
	old.mu.Lock()
	old.remove = true
	old.mu.Unlock()
	err := db.r.switchTo(in)
	db.DB.SetMaxIdleConns(0) // close idle connections of the old file now
	db.DB.SetMaxIdleConns(idleConns)
	return err
}

// Instance counts the times Replace moved db's readers to another file:
// what a reader keeping objects on the instance itself (attached
// in-memory catalogues, which a replacement does not carry over) checks
// to know it must create them again.
func (db *DB) Instance() uint64 {
	db.r.mu.Lock()
	defer db.r.mu.Unlock()
	return db.r.switches
}

// writeCurrent points base+".current" at path, atomically (rename).
func writeCurrent(base, path string) error {
	tmp := base + ".current.tmp"
	if err := os.WriteFile(tmp, []byte(filepath.Base(path)+"\n"), 0o644); err != nil {
		return fmt.Errorf("warehouse: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, base+".current"); err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	return nil
}
