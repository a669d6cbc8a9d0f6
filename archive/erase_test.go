package archive_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/archive"
	"github.com/carcarehub/cch/warehouse"
)

// erasedMarker is PII of the erased customer planted in archived months;
// keptMarker belongs to another customer and must survive.
const (
	erasedMarker = "Zebedee Quux"
	keptMarker   = "Ottoline Vell"
)

// An archived month holding a customer's notifications and ride events
// is rewritten by Erase after the customer's erasure: no file holds
// their PII any more, the manifest's checksums match the new files,
// every other row is unchanged, the audit chain still verifies, and a
// warehouse snapshotted with the archive shows none of it either.
func TestArchiveEraseScrubsTheSubjectFromArchivedFiles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	adminURL, month := agedDatabase(ctx, t)
	admin := connect(ctx, t, adminURL)
	aged := month.AddDate(0, -2, 10)
	var subject, other, ride, org int64
	if err := admin.QueryRow(ctx, `SELECT booker_customer_id, id, organisation_id FROM chauffeur.ride_booking
		WHERE booker_customer_id IS NOT NULL ORDER BY id LIMIT 1`).Scan(&subject, &ride, &org); err != nil {
		t.Fatalf("a booked ride: %v", err)
	}
	if err := admin.QueryRow(ctx, `SELECT id FROM core.customer WHERE organisation_id = $1 AND id <> $2 ORDER BY id LIMIT 1`,
		org, subject).Scan(&other); err != nil {
		t.Fatal(err)
	}
	plant := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO core.notification (organisation_id, kind, channel, recipient_customer_id, subject, payload, last_error, created_at, due_at)
			VALUES ($1, 'booking_reminder', 'email', $2, $3, jsonb_build_object('name', $3::text), 'bounced: ' || $3, $4, $4)`,
			[]any{org, subject, "Hello " + erasedMarker, aged}},
		{`INSERT INTO core.notification (organisation_id, kind, channel, recipient_customer_id, subject, payload, created_at, due_at)
			VALUES ($1, 'booking_reminder', 'email', $2, $3, jsonb_build_object('name', $3::text), $4, $4)`,
			[]any{org, other, "Hello " + keptMarker, aged}},
		{`INSERT INTO chauffeur.ride_status_event (organisation_id, occurred_at, ride_booking_id, from_status, to_status, note, created_at)
			SELECT organisation_id, $2, id, status, status, $3, $2 FROM chauffeur.ride_booking WHERE id = $1`,
			[]any{ride, aged, erasedMarker + " waved at the kerb"}},
	}
	for _, p := range plant {
		if _, err := admin.Exec(ctx, p.sql, p.args...); err != nil {
			t.Fatalf("%.80s: %v", p.sql, err)
		}
	}

	dir := t.TempDir()
	res, err := archive.Run(ctx, archive.Options{DatabaseURL: ownerURL(adminURL), Dir: dir, Before: month.AddDate(0, -1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	before := scanFiles(ctx, t, dir)
	if before[erasedMarker] < 2 || before[keptMarker] == 0 {
		t.Fatalf("planted rows not archived: %v", before)
	}
	if files := filesNaming(t, dir, subject); len(files) < 2 {
		m, _ := archive.ReadManifest(dir)
		for _, e := range m.Partitions {
			if e.Rows > 0 {
				t.Logf("%s %d %s %v", e.File, e.Rows, e.SubjectColumn, e.Subjects)
			}
		}
		t.Fatalf("the manifest names the customer %d in %v, want a notification and a ride event file", subject, files)
	}

	exec(ctx, t, admin, sprintf(`UPDATE core.customer SET given_name = NULL, family_name = NULL, company_name = NULL, email = NULL,
		phone = NULL, address = NULL, postcode = NULL, pseudonymised_at = now() WHERE id = %v`, subject))
	rowsBefore := fileRows(ctx, t, dir)
	rewritten, err := archive.Erase(ctx, dir, subject)
	if err != nil {
		t.Fatal(err)
	}
	if want := filesNaming(t, dir, subject); len(rewritten) != len(want) {
		t.Errorf("rewrote %v, the manifest names the customer in %v", rewritten, want)
	}
	after := scanFiles(ctx, t, dir)
	if after[erasedMarker] != 0 || after[erasedMarker+" (bytes)"] != 0 || after[keptMarker] != before[keptMarker] {
		t.Errorf("after erasure: %v (before %v), want no %q and every %q", after, before, erasedMarker, keptMarker)
	}
	if n, err := archive.VerifyFiles(dir); err != nil || n != len(res.Partitions) {
		t.Errorf("VerifyFiles after erasure: %d, %v", n, err)
	}
	if got := fileRows(ctx, t, dir); got != rowsBefore {
		t.Errorf("rows per file after erasure %v, before %v", got, rowsBefore)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*", "*.tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	verifyChain(ctx, t, admin, "after erasing archived files")

	// Archiving again (months re-created) never overwrites a rewritten file.
	exec(ctx, t, admin, "SELECT count(*) FROM core.ensure_partitions(3, 6)")
	if _, err := archive.Run(ctx, archive.Options{DatabaseURL: ownerURL(adminURL), Dir: dir, Before: month.AddDate(0, -1, 0)}); err != nil {
		t.Fatal(err)
	}
	if n, err := archive.VerifyFiles(dir); err != nil || n != 2*len(res.Partitions) {
		t.Errorf("VerifyFiles after archiving re-created months: %d, %v", n, err)
	}

	fresh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	svc := startWarehouse(ctx, t, fresh, adminURL, "archive_erase_test", dir)
	waitApplied(ctx, t, admin, svc)
	var pii, kept int64
	if err := fresh.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM core.notification WHERE concat_ws('|', subject, payload, last_error) LIKE '%' || ? || '%') +
		(SELECT count(*) FROM chauffeur.ride_status_event WHERE note LIKE '%' || ? || '%'),
		(SELECT count(*) FROM core.notification WHERE subject LIKE '%' || ? || '%')`, erasedMarker, erasedMarker, keptMarker).Scan(&pii, &kept); err != nil {
		t.Fatal(err)
	}
	if pii != 0 || kept != 1 {
		t.Errorf("warehouse rebuilt with the archive: %d rows with the erased customer's PII, %d of the other's (want 0, 1)", pii, kept)
	}
}

// scanFiles counts, for each marker, the rows of every archived file
// whose text holds it (every column cast to text).
func scanFiles(ctx context.Context, t *testing.T, dir string) map[string]int64 {
	t.Helper()
	duck := duckDB(t)
	out := map[string]int64{}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.parquet"))
	for _, f := range files {
		for _, marker := range []string{erasedMarker, keptMarker} {
			var n int64
			if err := duck.QueryRowContext(ctx, "SELECT count(*) FROM read_parquet(?) r WHERE CAST(r AS VARCHAR) LIKE '%' || ? || '%'",
				f, marker).Scan(&n); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out[marker] += n
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), erasedMarker) {
			out[erasedMarker+" (bytes)"]++
		}
	}
	return out
}

func fileRows(ctx context.Context, t *testing.T, dir string) string {
	t.Helper()
	duck := duckDB(t)
	var s string
	err := duck.QueryRowContext(ctx, `SELECT string_agg(filename || ':' || n || ':' || ids, ',' ORDER BY filename) FROM (
		SELECT filename, count(*) n, md5(string_agg(CAST(id AS VARCHAR), ',' ORDER BY id)) ids
		FROM read_parquet(?, filename = true) GROUP BY filename)`, filepath.Join(dir, "*", "*.parquet")).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func filesNaming(t *testing.T, dir string, customer int64) []string {
	t.Helper()
	m, err := archive.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range m.Partitions {
		for _, s := range e.Subjects {
			if s.CustomerID == customer {
				out = append(out, e.File)
			}
		}
	}
	return out
}

func duckDB(t *testing.T) *sql.DB {
	t.Helper()
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duck.Close() })
	return duck
}
