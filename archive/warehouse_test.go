package archive_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/archive"
	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/marts"
)

// Dropping archived partitions sends nothing down the replication stream:
// the warehouse keeps the archived months, and every analytic answers the
// same after archiving as before. A warehouse built afterwards from a new
// snapshot loads the archived months from the archive directory and
// answers the same too.
func TestWarehouseAnswersTheSameAfterArchiving(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	adminURL, month := agedDatabase(ctx, t)
	admin := connect(ctx, t, adminURL)
	db, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := startWarehouse(ctx, t, db, adminURL, "archive_test", "")
	waitApplied(ctx, t, admin, svc)
	params := marts.Params{OrganisationID: 1, From: month.AddDate(0, -4, 0), To: month.AddDate(0, 1, 0)}
	beforeAnswers := answers(ctx, t, db, params)
	beforeRows := mirrorRows(ctx, t, db)

	before := month.AddDate(0, -1, 0)
	archiveDir := t.TempDir()
	res, err := archive.Run(ctx, archive.Options{DatabaseURL: ownerURL(adminURL), Dir: archiveDir, Before: before})
	if err != nil || res.Rows == 0 {
		t.Fatalf("archive: %d rows, %v", res.Rows, err)
	}
	waitApplied(ctx, t, admin, svc)
	if got := mirrorRows(ctx, t, db); got != beforeRows {
		t.Errorf("warehouse mirror rows after archiving %v, before %v", got, beforeRows)
	}
	after := answers(ctx, t, db, params)
	for name, want := range beforeAnswers {
		if !sameAnswer(after[name], want) {
			t.Errorf("analytic %s changed after archiving:\nbefore %.300s\nafter  %.300s", name, want, after[name])
		}
	}
	t.Logf("%d analytics compared; %d rows archived", len(beforeAnswers), res.Rows)

	fresh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "fresh.duckdb"), warehouse.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	svc2 := startWarehouse(ctx, t, fresh, adminURL, "archive_test_fresh", archiveDir)
	waitApplied(ctx, t, admin, svc2)
	if got, want := mirrorRows(ctx, t, fresh), mirrorRows(ctx, t, db); got != want {
		t.Errorf("a warehouse snapshotted after archiving holds %v, the one that saw the months stream %v", got, want)
	}
	rebuilt := answers(ctx, t, fresh, params)
	for name, want := range beforeAnswers {
		if !sameAnswer(rebuilt[name], want) {
			t.Errorf("analytic %s on a new snapshot with the archive differs:\nbefore %.300s\nnow    %.300s", name, want, rebuilt[name])
		}
	}
}

func startWarehouse(ctx context.Context, t *testing.T, db *warehouse.DB, adminURL, slot, archiveDir string) *warehouse.Service {
	t.Helper()
	cfg := cdc.Config{URL: adminURL, Slot: slot, Publication: "cch_pub",
		BatchInterval: 50 * time.Millisecond, StatusInterval: 200 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond}
	runCtx, stop := context.WithCancel(ctx)
	svc, err := warehouse.NewService(runCtx, db, cfg, warehouse.ServiceOptions{ArchiveDir: archiveDir})
	if err != nil {
		t.Fatal(err)
	}
	go svc.Run(runCtx)
	t.Cleanup(func() {
		stop()
		<-svc.Done()
		conn, err := pgx.Connect(context.Background(), adminURL)
		if err == nil {
			_, _ = conn.Exec(context.Background(), "SELECT pg_drop_replication_slot($1)", slot)
			conn.Close(context.Background())
		}
	})
	select {
	case <-svc.Stream().Ready():
	case <-svc.Stream().Done():
		t.Fatalf("warehouse stopped: %v", svc.Stream().Err())
	case <-ctx.Done():
		t.Fatal("warehouse not ready")
	}
	return svc
}

// waitApplied commits a marker write and waits until the warehouse's marts
// have applied it.
func waitApplied(ctx context.Context, t *testing.T, admin *pgx.Conn, svc *warehouse.Service) {
	t.Helper()
	var lsn string
	if err := admin.QueryRow(ctx, "WITH o AS (INSERT INTO core.organisation (name) VALUES ('marker') RETURNING 1) SELECT pg_current_wal_lsn()::text FROM o").Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	want, _ := pglogrepl.ParseLSN(lsn)
	for uint64(svc.LSN()) < uint64(want) {
		select {
		case <-ctx.Done():
			t.Fatalf("warehouse did not apply %s (at %d)", lsn, svc.LSN())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// answers runs every analytic and returns each answer as JSON.
func answers(ctx context.Context, t *testing.T, db *warehouse.DB, p marts.Params) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range marts.Catalog() {
		tab, err := marts.Run(ctx, db.DB, a, p, 0)
		if err != nil {
			t.Fatalf("analytic %s: %v", a.Name, err)
		}
		raw, err := json.Marshal(tab)
		if err != nil {
			t.Fatal(err)
		}
		out[a.Name] = string(raw)
	}
	return out
}

// mirrorRows counts the warehouse's rows of the time-series tables.
func mirrorRows(ctx context.Context, t *testing.T, db *warehouse.DB) string {
	t.Helper()
	var s string
	for _, table := range []string{"audit.staff_audit_log", "inventory.inventory_transaction", "chauffeur.ride_status_event", "core.notification"} {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		s += fmt.Sprintf("%s=%d ", table, n)
	}
	return s
}

// sameAnswer compares two analytic answers (JSON), numbers within 1e-9
// relative: a new file sums the same rows in another order, which moves
// the last bits of a DOUBLE.
func sameAnswer(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return sameValue(x, y)
}

func sameValue(x, y any) bool {
	switch xv := x.(type) {
	case float64:
		yv, ok := y.(float64)
		return ok && math.Abs(xv-yv) <= 1e-9*math.Max(1, math.Max(math.Abs(xv), math.Abs(yv)))
	case []any:
		yv, ok := y.([]any)
		if !ok || len(xv) != len(yv) {
			return false
		}
		for i := range xv {
			if !sameValue(xv[i], yv[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok || len(xv) != len(yv) {
			return false
		}
		for k := range xv {
			if !sameValue(xv[k], yv[k]) {
				return false
			}
		}
		return true
	}
	return x == y
}
