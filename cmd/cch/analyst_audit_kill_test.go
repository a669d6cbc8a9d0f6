package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
)

// TestAnalystAuditSurvivesKill9: an analyst query answered by `cch dev`
// is in the audit spool when the answer arrives; the process is killed
// (SIGKILL, before its once-a-second write) and started again, and the
// query's entry is in PostgreSQL's audit log exactly once, the hash chain
// intact.
func TestAnalystAuditSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the dev stack three times")
	}
	dataDir := tempDataDir(t)
	token := devManagerToken(t, dataDir)
	waitDuckDBFree(t, filepath.Join(dataDir, "warehouse.duckdb"), 30*time.Second)

	cmd := exec.Command(os.Args[0], "dev", "--data-dir", dataDir, "--http", "127.0.0.1:0", "--demo=false")
	cmd.Env = append(os.Environ(), "CCH_TEST_MAIN=1")
	var output syncBuffer
	cmd.Stdout, cmd.Stderr = &output, &output
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cch dev output:\n%s", output.String())
		}
	})
	os.Remove(filepath.Join(dataDir, "dev.json"))
	started := time.Now().Add(-time.Second)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	info := waitDevJSON(t, dataDir, started, done)
	waitReady(t, info.HTTPURL, time.Minute)
	const requestID = "killed-before-its-audit-write"
	if status := postSQL(t, info.HTTPURL, token, requestID, "SELECT count(*) AS n FROM core.customer"); status != http.StatusOK {
		t.Fatalf("/v1/sql: %d", status)
	}
	cmd.Process.Kill()
	<-done
	spooled, err := os.ReadFile(filepath.Join(dataDir, "warehouse.duckdb.audit-spool"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(spooled, []byte(requestID)) {
		t.Skip("the entry was written to PostgreSQL before the kill: nothing left to recover")
	}

	_, d, cancel, stopped := startDev(t, dataDir, false)
	defer func() { cancel(); <-stopped }()
	conn, err := pgx.Connect(context.Background(), d.cluster.SuperuserURL(devDatabase))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	deadline := time.Now().Add(30 * time.Second)
	var n int
	for n == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM audit.staff_audit_log
			WHERE action = 'analyst_query' AND request_id = $1`, requestID).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1500 * time.Millisecond) // a second write would have happened by now
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM audit.staff_audit_log
		WHERE action = 'analyst_query' AND request_id = $1 AND new_values->>'outcome' = 'ok'`, requestID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d audit entries for the query (%v), want 1", n, err)
	}
	var broken int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM audit.verify_chain(NULL)").Scan(&broken); err != nil || broken != 0 {
		t.Errorf("audit.verify_chain: %d broken links (%v)", broken, err)
	}
}

// devManagerToken starts `cch dev` in dataDir once, loads a small
// business, issues a manager token and stops it.
func devManagerToken(t *testing.T, dataDir string) string {
	t.Helper()
	info, d, cancel, done := startDev(t, dataDir, false)
	defer func() {
		cancel()
		if err := <-done; err != nil { // the next start needs the data dir free
			t.Fatalf("cch dev did not stop cleanly: %v", err)
		}
	}()
	waitReady(t, info.HTTPURL, time.Minute)
	ctx := context.Background()
	super := d.cluster.SuperuserURL(devDatabase)
	data := datagen.Options{Seed: 9, Months: 1, Branches: 1, BookingsPerMonth: 20, End: time.Now().UTC(), Audit: datagen.AuditSummary}
	if _, err := datagen.Seed(ctx, super, data, d.log); err != nil {
		t.Fatalf("seed: %v", err)
	}
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var staff int64
	if err := conn.QueryRow(ctx, `SELECT r.staff_id FROM core.staff_role r JOIN core.staff st ON st.id = r.staff_id AND st.active
		WHERE r.role = 'manager' ORDER BY r.organisation_id, r.staff_id LIMIT 1`).Scan(&staff); err != nil {
		t.Fatal(err)
	}
	token, _, err := oltp.IssueToken(ctx, conn, staff, "manager", time.Hour, "audit kill test")
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// postSQL posts query to /v1/sql as token with a request id; the status.
func postSQL(t *testing.T, base, token, requestID, query string) int {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/sql", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", requestID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// syncBuffer is a bytes.Buffer safe for the child's output copiers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitDuckDBFree waits, bounded, until the DuckDB file can be opened again
// (the next process cannot open a file this one still holds). A CI run saw
// the stopped in-process stack still holding it when the child started;
// the cause of the delay is not established.
func waitDuckDBFree(t *testing.T, path string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		db, err := warehouse.Open(context.Background(), path, warehouse.Options{ReadOnly: true, MemoryLimit: "64MB"})
		if err == nil {
			db.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stopped stack still holds %s: %v", path, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
