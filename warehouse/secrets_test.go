package warehouse_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
)

// migratedSource is a migrated, lightly seeded database with bearer
// tokens issued, and the URL of its replication login (cch_replicator).
type migratedSource struct {
	admin   *pgx.Conn
	replURL string
}

func newMigratedSource(t *testing.T) *migratedSource {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	dbURL := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, dbURL, log); err != nil {
		t.Fatal(err)
	}
	data := datagen.Options{Seed: 3, Months: 1, Branches: 1, BookingsPerMonth: 40, End: time.Now().UTC(), Audit: datagen.AuditSummary}
	if _, err := datagen.Seed(ctx, dbURL, data, log); err != nil {
		t.Fatalf("seed: %v", err)
	}
	s := &migratedSource{admin: pgConnect(t, dbURL)}
	pgExec(t, s.admin, "ALTER ROLE cch_replicator PASSWORD 'replicator-secrets-test'")
	u, _ := url.Parse(dbURL)
	u.User = url.UserPassword("cch_replicator", "replicator-secrets-test")
	s.replURL = u.String()
	s.issueTokens(t, 3)
	return s
}

// issueTokens gives n staff members of the first organisation a token.
func (s *migratedSource) issueTokens(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	var staff int64
	err := s.admin.QueryRow(ctx, `SELECT r.staff_id FROM core.staff_role r JOIN core.staff st ON st.id = r.staff_id AND st.active
		WHERE r.role = 'manager' ORDER BY r.staff_id LIMIT 1`).Scan(&staff)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, _, err := oltp.IssueToken(ctx, s.admin, staff, "manager", time.Hour, "secrets test"); err != nil {
			t.Fatal(err)
		}
	}
}

// tokenHashes are every stored token hash of the source.
func (s *migratedSource) tokenHashes(t *testing.T) [][]byte {
	t.Helper()
	rows, err := s.admin.Query(context.Background(), "SELECT token_hash FROM core.api_token")
	if err != nil {
		t.Fatal(err)
	}
	hashes, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil || len(hashes) == 0 {
		t.Fatalf("token hashes: %v (%d)", err, len(hashes))
	}
	return hashes
}

// waitTokens waits until the mirror of core.api_token holds n rows.
func waitTokens(t *testing.T, db *warehouse.DB, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var got int
		err := db.QueryRow("SELECT count(*) FROM core.api_token").Scan(&got)
		if err == nil && got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mirror of core.api_token: %d rows (%v), want %d", got, err, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var credentialName = regexp.MustCompile(`(?i)hash|secret|password|passwd|token|salt|api_key|private`)

// assertNoSecrets checks the DuckDB catalogue for credential columns and
// every text and blob value of every table for a token hash.
func assertNoSecrets(t *testing.T, db *warehouse.DB, hashes [][]byte) {
	t.Helper()
	rows, err := db.Query(`SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
		WHERE NOT internal AND schema_name <> '_cch' ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ schema, table, name, typ string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.schema, &c.table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	// The audit chain's integrity hashes (partitions included: pgoutput
	// announces a partition's shape beside its root's) and the marts'
	// definition hashes are no credentials.
	notCredential := regexp.MustCompile(`^(audit\.staff_audit_log(_\w+)?\.(prev_)?hash|audit\.chain_head\.last_hash|mart\.freshness\.definition_hash)$`)
	var tokenTable bool
	for _, c := range cols {
		full := c.schema + "." + c.table + "." + c.name
		tokenTable = tokenTable || c.schema+"."+c.table == "core.api_token"
		if credentialName.MatchString(c.name) && !notCredential.MatchString(full) {
			t.Errorf("the warehouse has a credential-looking column %s", full)
		}
		if c.typ != "BLOB" && c.typ != "VARCHAR" && c.typ != "JSON" {
			continue
		}
		for _, h := range hashes {
			q := fmt.Sprintf(`SELECT count(*) FROM %q.%q WHERE CAST(%q AS BLOB) = ? OR CAST(%q AS VARCHAR) ILIKE ?`,
				c.schema, c.table, c.name, c.name)
			var n int
			if err := db.QueryRow(q, h, fmt.Sprintf("%%%x%%", h)).Scan(&n); err != nil {
				t.Fatalf("%s: %v", full, err)
			}
			if n > 0 {
				t.Errorf("%s holds a token hash", full)
			}
		}
	}
	if !tokenTable {
		t.Error("core.api_token is not mirrored at all: the test proves nothing about its columns")
	}
}

// TestWarehouseHoldsNoSecrets runs the real pipeline (cch_pub, the
// cch_replicator login) over a migrated database with bearer tokens: the
// snapshot and the stream bring core.api_token without its token hash,
// and no column of the warehouse holds one.
func TestWarehouseHoldsNoSecrets(t *testing.T) {
	src := newMigratedSource(t)
	const slot = "secrets_catalogue"
	dropSlot(t, src.replURL, slot)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	cfg := testConfig(src.replURL, slot)
	cfg.Publication, cfg.CreatePublication = "cch_pub", false
	p := startPipeline(t, db, cfg)
	defer p.stop()
	waitTokens(t, db, 3)
	src.issueTokens(t, 5) // streamed, not copied
	waitTokens(t, db, 8)
	p.stop() // a still catalogue: the applier's staging tables come and go
	assertNoSecrets(t, db, src.tokenHashes(t))
}

// TestUpgradeDropsPublishedSecret starts from a warehouse file written
// while the whole core schema was published (token hashes mirrored), then
// applies the publication of today and restarts the pipeline on the same
// file: the column is gone, the rest of the table is kept, and after the
// checkpoint neither the file nor its WAL holds a hash.
func TestUpgradeDropsPublishedSecret(t *testing.T) {
	src := newMigratedSource(t)
	ctx := context.Background()
	pgExec(t, src.admin, `ALTER PUBLICATION cch_pub SET TABLES IN SCHEMA core, workshop, inventory, finance, chauffeur, audit;
		GRANT SELECT ON core.api_token, core.pseudonym_key TO cch_replicator`)
	const slot = "secrets_upgrade"
	dropSlot(t, src.replURL, slot)
	path := filepath.Join(t.TempDir(), "wh.duckdb")
	db := openDuck(t, path)
	cfg := testConfig(src.replURL, slot)
	cfg.Publication, cfg.CreatePublication = "cch_pub", false
	p := startPipeline(t, db, cfg)
	waitTokens(t, db, 3)
	var n int
	if err := db.QueryRow("SELECT count(*) FROM core.api_token WHERE token_hash IS NOT NULL").Scan(&n); err != nil || n != 3 {
		t.Fatalf("old-style warehouse should mirror the hashes: %d, %v", n, err)
	}
	p.stop()
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	hashes := src.tokenHashes(t)
	if !fileHolds(t, path, hashes) {
		t.Fatal("the old-style file does not hold the hashes in the clear: the byte check below would prove nothing")
	}
	db.Close()

	// The upgrade: the migration's procedure and grants.
	pgExec(t, src.admin, `CALL core.publish_tables(); REVOKE SELECT ON core.api_token FROM cch_replicator;
		GRANT SELECT (id, organisation_id, staff_id, role, label, expires_at, revoked_at, last_used_at, created_at)
		ON core.api_token TO cch_replicator; REVOKE SELECT ON core.pseudonym_key FROM cch_replicator;
		GRANT SELECT (organisation_id, created_at) ON core.pseudonym_key TO cch_replicator`)
	db = openDuck(t, path)
	defer db.Close()
	p = startPipeline(t, db, cfg)
	defer p.stop()
	assertNoSecrets(t, db, hashes)
	waitTokens(t, db, 3)
	src.issueTokens(t, 2)
	waitTokens(t, db, 5)
	if fileHolds(t, path+".wal", hashes) {
		t.Fatal("a dropped token hash lingers in the DuckDB WAL")
	}
	if fileHolds(t, path, hashes) {
		t.Fatal("a dropped token hash lingers in the DuckDB file")
	}
}

// fileHolds reports whether the file at path contains any of needles.
func fileHolds(t *testing.T, path string, needles [][]byte) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range needles {
		if bytes.Contains(b, n) {
			return true
		}
	}
	return false
}

// TestUnpublishedTableDropped: a table that leaves the publication while
// the warehouse is down loses its mirror at the next start; the others
// keep theirs.
func TestUnpublishedTableDropped(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	const name = "unpublished_table"
	pgExec(t, conn, `CREATE TABLE public.marker (id int PRIMARY KEY, v int);
		CREATE TABLE public.kept (id int PRIMARY KEY, x text);
		CREATE TABLE public.gone (id int PRIMARY KEY, secret text);
		INSERT INTO public.kept VALUES (1, 'k'); INSERT INTO public.gone VALUES (1, 's');
		CREATE PUBLICATION `+name+` FOR TABLE public.marker, public.kept, public.gone`)
	dropSlot(t, url, name)
	path := filepath.Join(t.TempDir(), "wh.duckdb")
	db := openDuck(t, path)
	p := startPipeline(t, db, testConfig(url, name))
	waitMarker(t, conn, db, 1)
	p.stop()
	pgExec(t, conn, "ALTER PUBLICATION "+name+" DROP TABLE public.gone")
	p = startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	defer db.Close()
	waitMarker(t, conn, db, 2)
	var tables []string
	rows, err := db.Query("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'public' ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if fmt.Sprint(tables) != "[kept marker]" {
		t.Fatalf("mirrors after the table left the publication: %v", tables)
	}
	var mirrored int
	if err := db.QueryRow("SELECT count(*) FROM _cch.mirrors WHERE table_name = 'gone'").Scan(&mirrored); err != nil || mirrored != 0 {
		t.Fatalf("_cch.mirrors still lists it: %d, %v", mirrored, err)
	}
}
