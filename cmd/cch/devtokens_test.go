package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/datagen"
)

// TestDemoTokensSurviveRestartsUntilRotated: the demo tokens of a data dir
// are kept while valid (what a restart of cch dev does), and `cch token
// rotate --data-dir` replaces them all: the old ones stop working.
func TestDemoTokensSurviveRestartsUntilRotated(t *testing.T) {
	dataDir := tempDataDir(t)
	info, d, cancel, done := startDev(t, dataDir, false)
	defer func() { cancel(); <-done }()
	waitReady(t, info.HTTPURL, time.Minute)
	ctx := context.Background()
	super := d.cluster.SuperuserURL(devDatabase)
	data := datagen.Options{Seed: 5, Months: 1, Branches: 1, BookingsPerMonth: 20, Audit: datagen.AuditSummary}
	if _, err := datagen.Seed(ctx, super, data, d.log); err != nil {
		t.Fatalf("seed: %v", err)
	}
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	path := filepath.Join(dataDir, "tokens.json")
	first, err := ensureDemoTokens(ctx, conn, path, false)
	if err != nil || len(first) != 7 {
		t.Fatalf("first start: %d tokens, %v", len(first), err)
	}
	again, err := ensureDemoTokens(ctx, conn, path, false)
	if err != nil {
		t.Fatal(err)
	}
	for role, tok := range first {
		if again[role] != tok {
			t.Errorf("%s: token changed at restart", role)
		}
		if got := statusWith(t, info.HTTPURL, tok); got != http.StatusOK && role == "manager" {
			t.Errorf("%s token after restart: %d", role, got)
		}
	}
	var out, errOut bytes.Buffer
	tc := &tokenCmd{stdout: &out, stderr: &errOut}
	if err := tc.Parse([]string{"rotate", "--data-dir", dataDir}); err != nil {
		t.Fatalf("parse: %v (%s)", err, errOut.String())
	}
	if err := tc.Run(ctx); err != nil {
		t.Fatalf("rotate: %v", err)
	}
	rotated, err := readTokens(path)
	if err != nil || len(rotated) != 7 {
		t.Fatalf("after rotate: %d tokens, %v", len(rotated), err)
	}
	if rotated["manager"] == first["manager"] {
		t.Fatal("rotate kept the manager's token")
	}
	if got := statusWith(t, info.HTTPURL, rotated["manager"]); got != http.StatusOK {
		t.Errorf("rotated manager token: %d", got)
	}
	deadline := time.Now().Add(30 * time.Second) // the API caches a verified token briefly
	for statusWith(t, info.HTTPURL, first["manager"]) != http.StatusUnauthorized {
		if time.Now().After(deadline) {
			t.Fatal("the old manager token still works after rotate")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func statusWith(t *testing.T, base, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/customers?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
