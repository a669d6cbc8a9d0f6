package migrations_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

var baseFiles = map[string]string{
	"20260101000000_init.sql": `CREATE SCHEMA core;
CREATE TABLE core.branch (id bigint PRIMARY KEY, name text NOT NULL);
-- dollar quoting must survive: a DO block and a function with semicolons inside.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_migrate_test') THEN
		CREATE ROLE cch_migrate_test NOLOGIN;
	END IF;
EXCEPTION WHEN duplicate_object THEN NULL; -- another test created it meanwhile
END $$;
CREATE FUNCTION core.touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
	NEW.name := trim(NEW.name);
	RETURN NEW;
END;
$fn$;
`,
	"20260102000000_seed.sql": `INSERT INTO core.branch VALUES (1, 'Main');
CREATE TRIGGER branch_touch BEFORE INSERT ON core.branch FOR EACH ROW EXECUTE FUNCTION core.touch();
`,
}

func openDir(t testing.TB, path string) migrate.Dir {
	t.Helper()
	d, err := migrations.OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestApplyTwiceIsNoop(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	dir := openDir(t, writeDir(t, baseFiles))
	log := testLogger(t)

	st, err := migrations.StatusDir(ctx, url, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Applied) != 0 || len(st.Pending) != 2 || st.Current != "" {
		t.Fatalf("status before apply = %+v", st)
	}
	applied, err := migrations.ApplyDir(ctx, url, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"20260101000000_init.sql", "20260102000000_seed.sql"}
	if !slices.Equal(applied, want) {
		t.Fatalf("applied %v, want %v", applied, want)
	}
	again, err := migrations.ApplyDir(ctx, url, dir, log)
	if err != nil || len(again) != 0 {
		t.Fatalf("second apply = %v, %v; want no-op", again, err)
	}
	if n := queryString(t, url, "SELECT count(*)::text FROM core.branch"); n != "1" {
		t.Fatalf("branch rows = %s, want 1 (seed ran once)", n)
	}
	st, err = migrations.StatusDir(ctx, url, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Applied) != 2 || len(st.Pending) != 0 || st.Current != "20260102000000" {
		t.Fatalf("status after apply = %+v", st)
	}
}

func TestApplyConcurrentSerialises(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	dir := openDir(t, writeDir(t, baseFiles))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
		errs  []error
	)
	for range 3 {
		wg.Go(func() {
			applied, err := migrations.ApplyDir(ctx, url, dir, testLogger(t))
			mu.Lock()
			defer mu.Unlock()
			total += len(applied)
			errs = append(errs, err)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if total != 2 {
		t.Fatalf("files applied in total = %d, want 2", total)
	}
}

func TestTamperedDirectoryRefused(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   string
	}{
		{"edited file", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "20260102000000_seed.sql"), "SELECT 2;\n")
		}, "20260102000000_seed.sql was edited"},
		{"unlisted file", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "20260103000000_sneaky.sql"), "SELECT 3;\n")
		}, "20260103000000_sneaky.sql was added"},
		{"edited atlas.sum", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "atlas.sum"), "h1:AAAA\n20260101000000_init.sql h1:BBBB\n")
		}, "atlas.sum itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := pgtest.NewDatabase(t)
			path := writeDir(t, baseFiles)
			tt.tamper(t, path)
			_, err := migrations.ApplyDir(context.Background(), url, openDir(t, path), testLogger(t))
			if !errors.Is(err, migrations.ErrTampered) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrTampered mentioning %q", err, tt.want)
			}
		})
	}
}

func TestFileChangedAfterApplyRefused(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	if _, err := migrations.ApplyDir(ctx, url, openDir(t, writeDir(t, baseFiles)), testLogger(t)); err != nil {
		t.Fatal(err)
	}
	edited := map[string]string{
		"20260101000000_init.sql": baseFiles["20260101000000_init.sql"] + "\nCREATE TABLE core.extra (id int);\n",
		"20260102000000_seed.sql": baseFiles["20260102000000_seed.sql"],
	}
	dir := openDir(t, writeDir(t, edited)) // atlas.sum re-hashed: only the database can tell
	for name, run := range map[string]func() error{
		"apply":  func() error { _, err := migrations.ApplyDir(ctx, url, dir, testLogger(t)); return err },
		"status": func() error { _, err := migrations.StatusDir(ctx, url, dir); return err },
	} {
		err := run()
		if !errors.Is(err, migrations.ErrHistoryChanged) || !strings.Contains(err.Error(), "20260101000000_init.sql") {
			t.Fatalf("%s: err = %v, want ErrHistoryChanged naming the file", name, err)
		}
	}
}

func TestFailedFileRollsBack(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	files := map[string]string{
		"20260101000000_ok.sql":  "CREATE SCHEMA core;\n",
		"20260102000000_bad.sql": "CREATE TABLE core.half (id int);\nSELECT 1/0;\n",
	}
	applied, err := migrations.ApplyDir(ctx, url, openDir(t, writeDir(t, files)), testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "20260102000000_bad.sql") {
		t.Fatalf("err = %v, want failure naming the bad file", err)
	}
	if len(applied) != 1 {
		t.Fatalf("applied = %v, want only the first file", applied)
	}
	if got := queryString(t, url, "SELECT coalesce(to_regclass('core.half')::text, 'none')"); got != "none" {
		t.Fatalf("core.half = %s, want rolled back", got)
	}
}
