package warehouse_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Replace moves the readers' *sql.DB to the new file: a connection held on
// the old file keeps reading it until released, instance-wide settings
// follow, the old file goes once unused, and Open follows the move.
func TestReplaceMovesReadersToTheNewFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	db := openDuck(t, path)
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE gen AS SELECT 'old' AS v"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("SET GLOBAL enable_external_access = false"); err != nil {
		t.Fatal(err)
	}
	held, err := db.Conn(ctx) // an analyst query in flight on the old file
	if err != nil {
		t.Fatal(err)
	}
	next, err := db.OpenSibling(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := next.Exec("CREATE TABLE gen AS SELECT 'new' AS v"); err != nil {
		t.Fatal(err)
	}
	if err := db.Replace(ctx, next); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := db.QueryRow("SELECT v FROM gen").Scan(&v); err != nil || v != "new" {
		t.Errorf("after Replace the DB reads %q (%v), want new", v, err)
	}
	if err := held.QueryRowContext(ctx, "SELECT v FROM gen").Scan(&v); err != nil || v != "old" {
		t.Errorf("the held connection reads %q (%v), want old", v, err)
	}
	var access string
	if err := db.QueryRow("SELECT current_setting('enable_external_access')::VARCHAR").Scan(&access); err != nil || access != "false" {
		t.Errorf("enable_external_access on the new file = %q (%v), want false", access, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("old file removed while a connection holds it: %v", err)
	}
	// A setting made after the switch reaches the new instance.
	if _, err := db.Exec("SET GLOBAL threads = 1"); err != nil {
		t.Fatal(err)
	}
	var threads string
	if err := next.QueryRow("SELECT current_setting('threads')::VARCHAR").Scan(&threads); err != nil || threads != "1" {
		t.Errorf("threads on the new file = %q (%v), want 1", threads, err)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("old file still there after its last connection closed: %v", err)
	}
	newPath := db.Path()
	if err := next.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT v FROM gen").Scan(&v); err != nil || v != "new" {
		t.Errorf("after the writer's DB closed the readers' DB reads %q (%v)", v, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again := openDuck(t, path)
	defer again.Close()
	if err := again.QueryRow("SELECT v FROM gen").Scan(&v); err != nil || v != "new" || again.Path() != newPath {
		t.Errorf("reopened %s reads %q (%v), want %s with new", again.Path(), v, err, newPath)
	}
}

// A restart in the middle of a rebuild opens the rebuild's file (its
// snapshot starts over) and removes the file it was replacing.
func TestRestartDuringRebuildOpensTheNewFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	db := openDuck(t, path)
	if _, err := db.Exec("CREATE TABLE gen AS SELECT 'old' AS v"); err != nil {
		t.Fatal(err)
	}
	next, err := db.OpenSibling(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := next.Exec("CREATE TABLE gen AS SELECT 'partial' AS v"); err != nil {
		t.Fatal(err)
	}
	rebuilding := next.Path()
	if err := errors.Join(next.Close(), db.Close()); err != nil {
		t.Fatal(err)
	}
	again := openDuck(t, path)
	defer again.Close()
	var v string
	if err := again.QueryRow("SELECT v FROM gen").Scan(&v); err != nil || v != "partial" || again.Path() != rebuilding {
		t.Errorf("reopened %s reading %q (%v), want the rebuild's file %s", again.Path(), v, err, rebuilding)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the replaced file is still there: %v", err)
	}
}
