package migrations_test

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

// pg_dump as cch_backup dumps every tenant's rows, the migration history
// included, though every business table forces row-level security.
func TestBackupRoleDumpsEveryCustomer(t *testing.T) {
	ctx := context.Background()
	adminURL := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, adminURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for _, q := range []string{
		"ALTER ROLE cch_backup PASSWORD 'backup-test'",
		`WITH o AS (INSERT INTO core.organisation (name) VALUES ('Dump A'), ('Dump B') RETURNING id)
		 INSERT INTO core.customer (organisation_id, kind, given_name, family_name)
		 SELECT o.id, 'person', 'Given' || g, 'Family' || g FROM o, generate_series(1, 3) g`,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var want int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM core.customer").Scan(&want); err != nil {
		t.Fatal(err)
	}
	var forced bool
	if err := admin.QueryRow(ctx, "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'core.customer'::regclass").Scan(&forced); err != nil || !forced {
		t.Fatalf("core.customer does not force row-level security (%v)", err)
	}

	u, _ := url.Parse(adminURL)
	u.User = url.UserPassword("cch_backup", "backup-test")
	bin, err := pglocal.FindBinDir("")
	if err != nil {
		t.Fatal(err)
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "pg_dump"), "--dbname", u.String(), "--no-owner", "--no-privileges")
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pg_dump as cch_backup: %v\n%s", err, stderr.String())
	}
	if got := copyRows(out.String(), "core.customer"); got != want || want != 6 {
		t.Errorf("dump holds %d customers, the database %d (want 6)", got, want)
	}
	if copyRows(out.String(), "cch_migrate.revisions") == 0 {
		t.Error("dump holds no migration history")
	}
	// cch_backup reads, never writes.
	backup, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer backup.Close(ctx)
	if _, err := backup.Exec(ctx, "DELETE FROM core.customer"); err == nil {
		t.Error("cch_backup could delete customers")
	}
}

// copyRows counts the data lines of table's COPY block in a plain dump.
func copyRows(dump, table string) int {
	sc := bufio.NewScanner(strings.NewReader(dump))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n, in := 0, false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "COPY "+table+" "):
			in = true
		case in && line == `\.`:
			return n
		case in:
			n++
		}
	}
	return n
}
