package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/export"
)

// erasureStack is `cch dev` with a small business and a manager token.
type erasureStack struct {
	d       *devCmd
	base    string
	duck    string
	token   string
	subject int64
	email   string
}

func newErasureStack(t *testing.T) *erasureStack {
	t.Helper()
	dataDir := tempDataDir(t)
	info, d, cancel, done := startDev(t, dataDir, false)
	t.Cleanup(func() { cancel(); <-done })
	waitReady(t, info.HTTPURL, time.Minute)
	ctx := context.Background()
	super := d.cluster.SuperuserURL(devDatabase)
	data := datagen.Options{Seed: 5, Months: 2, Branches: 1, BookingsPerMonth: 60, End: time.Now().UTC(), Audit: datagen.AuditSummary}
	if _, err := datagen.Seed(ctx, super, data, d.log); err != nil {
		t.Fatalf("seed: %v", err)
	}
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	s := &erasureStack{d: d, base: info.HTTPURL, duck: filepath.Join(dataDir, "warehouse.duckdb")}
	var org, staff int64
	err = conn.QueryRow(ctx, `SELECT r.organisation_id, r.staff_id FROM core.staff_role r JOIN core.staff st ON st.id = r.staff_id AND st.active
		WHERE r.role = 'manager' ORDER BY r.organisation_id, r.branch_id NULLS FIRST, r.staff_id LIMIT 1`).Scan(&org, &staff)
	if err != nil {
		t.Fatal(err)
	}
	if s.token, _, err = oltp.IssueToken(ctx, conn, staff, "manager", time.Hour, "erasure test"); err != nil {
		t.Fatal(err)
	}
	err = conn.QueryRow(ctx, `SELECT c.id, c.email FROM core.customer c WHERE c.organisation_id = $1 AND c.email IS NOT NULL
		AND EXISTS (SELECT 1 FROM workshop.booking b WHERE b.customer_id = c.id) ORDER BY c.id LIMIT 1`, org).Scan(&s.subject, &s.email)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// call sends a request with the manager's token and returns status,
// headers and body.
func (s *erasureStack) call(t *testing.T, method, path string, body any) (int, http.Header, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// sql runs analyst SQL through /v1/sql.
func (s *erasureStack) sql(t *testing.T, q string) string {
	t.Helper()
	code, _, body := s.call(t, http.MethodPost, "/v1/sql", map[string]string{"query": q})
	if code != 200 {
		t.Fatalf("/v1/sql %s: %d %s", q, code, body)
	}
	return body
}

// exportOrg exports the subject's organisation beside the running
// warehouse into a new directory.
func (s *erasureStack) exportOrg(t *testing.T, out string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := &exportCmd{stdout: &stdout, stderr: &stderr}
	org := strings.TrimSpace(s.sql(t, fmt.Sprintf("SELECT organisation_id FROM core.customer WHERE id = %d", s.subject)))
	var parsed struct{ Rows [][]json.Number }
	json.Unmarshal([]byte(org), &parsed)
	if err := c.Parse([]string{"parquet", "--duckdb", s.duck, "--out", out, "--organisation", parsed.Rows[0][0].String()}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Run(context.Background()); err != nil {
		t.Fatalf("export: %v", err)
	}
}

// TestErasureReachesTheWarehouse erases a customer through the API, waits
// for the returned position, and finds no trace of their e-mail in the
// mirror and marts (every text column of the warehouse), /v1/sql, the
// analytics JSON and dashboard pages, a new export, or the DuckDB file and
// WAL; a past export that held them is listed and rewritten without them.
func TestErasureReachesTheWarehouse(t *testing.T) {
	s := newErasureStack(t)
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(s.sql(t, fmt.Sprintf("SELECT email FROM core.customer WHERE id = %d", s.subject)), s.email) {
		if time.Now().After(deadline) {
			t.Fatal("the customer never reached the warehouse")
		}
		time.Sleep(200 * time.Millisecond)
	}
	past := filepath.Join(t.TempDir(), "past")
	s.exportOrg(t, past)

	code, hdr, body := s.call(t, http.MethodPost, fmt.Sprintf("/v1/customers/%d/erasure", s.subject), map[string]string{"reason": "subject request"})
	if code != 200 || hdr.Get("X-CCH-LSN") == "" {
		t.Fatalf("erasure: %d %s", code, body)
	}
	lsn := hdr.Get("X-CCH-LSN")
	// The customer analytics, resident visit histories included (rfm,
	// rfm_segments, churn_risk and churn_model read them), at the
	// erasure's position.
	for _, name := range []string{"rfm", "rfm_segments", "churn_risk", "churn_model", "high_value_customers", "customer_journey"} {
		path := "/v1/analytics/" + name
		code, _, body := s.call(t, http.MethodGet, path+"?min_lsn="+lsn, nil)
		if code != 200 || strings.Contains(body, s.email) {
			t.Errorf("%s after the erasure: %d, holds the e-mail: %v", path, code, strings.Contains(body, s.email))
		}
	}
	row := s.sql(t, fmt.Sprintf("SELECT email IS NULL AND family_name IS NULL AND pseudonymised_at IS NOT NULL FROM core.customer WHERE id = %d", s.subject))
	if !strings.Contains(row, "true") {
		t.Errorf("/v1/sql: the mirror row is not pseudonymised: %s", row)
	}
	for _, page := range []string{"/dashboards/customers", "/dashboards"} {
		if code, _, body := s.call(t, http.MethodGet, page, nil); code != 200 || strings.Contains(body, s.email) {
			t.Errorf("%s: %d, holds the e-mail: %v", page, code, strings.Contains(body, s.email))
		}
	}
	if n := warehouseMentions(t, s, s.email); n > 0 {
		t.Errorf("%d warehouse columns still hold the e-mail", n)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	s.exportOrg(t, fresh)
	assertExportClean(t, s, fresh)
	for _, f := range []string{s.duck, s.duck + ".wal"} {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(s.email)) {
			t.Errorf("%s still holds the e-mail", filepath.Base(f))
		}
	}
	assertPastExportRewritten(t, s, past)
}

// warehouseMentions counts the text columns of every warehouse table
// (mirrors and marts) holding value.
func warehouseMentions(t *testing.T, s *erasureStack, value string) int {
	t.Helper()
	db := s.d.warehouse.DB()
	rows, err := db.Query(`SELECT schema_name, table_name, column_name FROM duckdb_columns()
		WHERE NOT internal AND data_type IN ('VARCHAR', 'JSON') AND schema_name NOT IN ('_cch', 'mart_view')`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][3]string
	for rows.Next() {
		var c [3]string
		rows.Scan(&c[0], &c[1], &c[2])
		cols = append(cols, c)
	}
	rows.Close()
	found := 0
	for _, c := range cols {
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM %q.%q WHERE CAST(%q AS VARCHAR) LIKE ?`, c[0], c[1], c[2])
		if err := db.QueryRow(q, "%"+value+"%").Scan(&n); err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if n > 0 {
			t.Logf("%s.%s.%s holds it", c[0], c[1], c[2])
			found++
		}
	}
	return found
}

// assertExportClean checks a new export's customers: the subject is there,
// pseudonymised, and no customer file holds the e-mail.
func assertExportClean(t *testing.T, s *erasureStack, dir string) {
	t.Helper()
	var n int
	q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE email = '%s'), count(*) FILTER (WHERE id = %d AND email IS NULL)
		FROM read_parquet('%s/core/customer/*/*.parquet')`, s.email, s.subject, dir)
	var kept int
	if err := scratchDuck(t).QueryRow(q).Scan(&n, &kept); err != nil {
		t.Fatal(err)
	}
	if n != 0 || kept != 1 {
		t.Errorf("new export: %d rows with the e-mail, %d pseudonymised subject rows (want 0, 1)", n, kept)
	}
}

// assertPastExportRewritten lists the files of an export from before the
// erasure that hold the subject, rewrites them, and finds none after.
func assertPastExportRewritten(t *testing.T, s *erasureStack, dir string) {
	t.Helper()
	for _, rewrite := range []bool{false, true} {
		var stdout, stderr bytes.Buffer
		c := &exportCmd{stdout: &stdout, stderr: &stderr}
		args := []string{"subject", "--dir", dir, "--customer", fmt.Sprint(s.subject)}
		if rewrite {
			args = append(args, "--rewrite")
		}
		if err := c.Parse(args); err != nil {
			t.Fatal(err)
		}
		err := c.Run(context.Background())
		c.Close()
		if err != nil || !strings.Contains(stdout.String(), "core.customer") {
			t.Fatalf("export subject %v: %v\n%s", args, err, stdout.String())
		}
	}
	found, err := export.FindSubject(context.Background(), scratchDuck(t).DB, dir, s.subject)
	if err != nil || len(found) != 0 {
		t.Fatalf("past export after the rewrite: %v, %v", found, err)
	}
}

// scratchDuck is an in-memory DuckDB for reading exported files (the
// warehouse's own instance may not read files).
func scratchDuck(t *testing.T) *warehouse.DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), ":memory:", warehouse.Options{MemoryLimit: "256MB", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
