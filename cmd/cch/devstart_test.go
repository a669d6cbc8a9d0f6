package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestDevFirstStartsCompleteRepeatedly starts a fresh `cch dev` (empty data
// directory, demo seeding on) several times and follows each first start
// past the window where the demo seeding creates months of partitions
// while the warehouse takes its initial snapshot: the process must stay up
// with both done. It does not reproduce the deadlock on demand (that race
// is timing-dependent); cdc's TestSnapshotAndPartitionDDLDoNotDeadlock
// forces the interleaving and proves the fix.
func TestDevFirstStartsCompleteRepeatedly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five fresh clusters")
	}
	for i := range 5 {
		dataDir := tempDataDir(t)
		info, _, cancel, done := startDev(t, dataDir, true)
		err := waitPastFirstStart(t, info, done, 2*time.Minute)
		cancel()
		stopErr := <-done
		if err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
		if stopErr != nil && !strings.Contains(stopErr.Error(), "context canceled") {
			t.Fatalf("start %d ended with %v", i+1, stopErr)
		}
	}
}

// waitPastFirstStart waits until the initial snapshot is complete and the
// partitions of three months ago exist (the demo seeding made them), failing if
// cch dev exits first or within does not suffice.
func waitPastFirstStart(t *testing.T, info devInfo, done <-chan error, within time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	snapshot, partitions := false, false
	for !snapshot || !partitions {
		select {
		case err := <-done:
			t.Fatalf("cch dev exited during its first start: %v", err)
		case <-ctx.Done():
			t.Fatalf("not past the first start within %s (snapshot %v, partitions %v)", within, snapshot, partitions)
		case <-time.After(250 * time.Millisecond):
		}
		snapshot = snapshot || snapshotComplete(t, info.HTTPURL)
		partitions = partitions || pastPartitions(ctx, info.DatabaseURL)
	}
	return nil
}

func snapshotComplete(t *testing.T, base string) bool {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Checks map[string]string `json:"checks"`
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil {
		return false
	}
	w, ok := body.Checks["warehouse"]
	return ok && !strings.Contains(w, "initial snapshot")
}

func pastPartitions(ctx context.Context, url string) bool {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return false
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE c.relname LIKE '%\_' || to_char(now() - interval '3 months', 'YYYYMM')`).Scan(&n)
	return err == nil && n > 0
}
