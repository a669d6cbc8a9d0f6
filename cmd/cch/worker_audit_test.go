package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestWorkersWriteAuditCheckpoints: two `cch worker`s running at once
// with the same --audit-key and --audit-checkpoints, while audited writes
// land, append signed checkpoints of every organisation to one file that
// `cch audit verify --audit-key --checkpoints` accepts.
func TestWorkersWriteAuditCheckpoints(t *testing.T) {
	su := auditCluster(t)
	ctx := context.Background()
	db, err := pgx.Connect(ctx, su)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, `ALTER ROLE cch_worker LOGIN PASSWORD 'worker';
		INSERT INTO core.organisation (id, name) OVERRIDING SYSTEM VALUE VALUES (1, 'A'), (2, 'B');
		INSERT INTO core.customer (organisation_id, family_name) SELECT 1 + g % 2, 'C' || g FROM generate_series(1, 4) g`); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(su)
	u.User = url.UserPassword("cch_worker", "worker")
	dir := t.TempDir()
	key, file := filepath.Join(dir, "audit.key"), filepath.Join(dir, "checkpoints.jsonl")
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	logs := make([]*bytes.Buffer, 2)
	for i := range logs {
		logs[i] = &bytes.Buffer{}
		w := &workerCmd{stdout: logs[i], stderr: logs[i]}
		if err := w.Parse([]string{"--database-url", u.String(), "--http", "127.0.0.1:0", "--audit-key", key,
			"--audit-checkpoints", file, "--audit-interval", "50ms", "--log-level", "warn"}); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.Close()
			if err := w.Run(wctx); err != nil && wctx.Err() == nil {
				t.Errorf("worker: %v", err)
			}
		}()
	}
	for i := range 20 { // audited writes while the workers sign
		if _, err := db.Exec(ctx, "UPDATE core.customer SET phone = $1", "07"+strings.Repeat("0", i%5)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	wg.Wait()
	for i, l := range logs {
		if strings.Contains(l.String(), "audit checkpoint failed") {
			t.Errorf("worker %d: %s", i+1, l)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	orgs := map[string]bool{}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for _, line := range lines {
		for _, o := range []string{`"organisation_id":1,`, `"organisation_id":2,`} {
			if strings.Contains(line, o) {
				orgs[o] = true
			}
		}
	}
	if len(lines) < 4 || len(orgs) != 2 {
		t.Fatalf("checkpoint file: %d lines, organisations %v:\n%s", len(lines), orgs, data)
	}
	code, out := runCch("audit", "verify", "--database-url", su, "--audit-key", key, "--checkpoints", file)
	if code != 0 || !strings.Contains(out, "OK: audit chain intact") {
		t.Fatalf("verify: exit %d: %s", code, out)
	}
}
