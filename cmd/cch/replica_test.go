package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/workshop"
)

// startStandby starts a hot standby of the stack's cluster (TLS, its own
// CA) and waits until it streams.
func (s *stack) startStandby(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	if s.standby, err = pglocal.StartStandby(ctx, s.cluster, pglocal.Config{Dir: filepath.Join(s.dir, "standby"), TLS: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.standby.Stop(context.Background()) })
	if err := s.cluster.WaitStreaming(ctx, false); err != nil {
		t.Fatal(err)
	}
	s.replicaURL = s.standby.URL("cch_app", topologyPasswords["cch_app"], topologyDB)
}

// newReplicaStack is a TLS cluster, migrated, with the fixture business,
// a hot standby and one API process reading lists from the standby
// (min_lsn waits at most maxWait).
func newReplicaStack(t *testing.T, maxWait string) *stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "cch-replica-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &stack{dir: dir, c: &client{tokens: map[string]string{}, http: &http.Client{Timeout: 30 * time.Second}}}
	if s.cluster, err = pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dir, "pg"), Fast: true, TLS: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cluster.Stop(context.Background()) })
	if err := s.cluster.CreateDatabase(ctx, topologyDB); err != nil {
		t.Fatal(err)
	}
	s.migrate(t)
	if s.super, err = pgx.Connect(ctx, s.cluster.SuperuserURL(topologyDB)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.super.Close(context.Background()) })
	s.loadBusiness(t)
	s.startStandby(t)
	s.appURL = s.cluster.URL("cch_app", topologyPasswords["cch_app"], topologyDB)
	s.apiAddr[0] = freeAddr(t)
	s.apis[0] = startProc(t, dir, "api1", "api", "--database-url", s.appURL, "--http", s.apiAddr[0], "--max-conns", "4",
		"--replica-url", s.replicaURL, "--replica-max-wait", maxWait)
	waitHTTPReady(t, s.apis[0], s.api(0), time.Minute)
	return s
}

// TestReplicaReads: lists go to the standby; a read carrying a write's
// position (X-CCH-LSN echoed, or min_lsn) sees the write there; a
// position the standby cannot reach in time is served by the primary,
// which a header says; a bad position is a 400; single records stay on
// the primary; lag is a metric and a readiness check; with the standby
// gone, lists fall back to the primary and readiness fails.
func TestReplicaReads(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, a standby and an API process")
	}
	s := newReplicaStack(t, "400ms")
	base := s.api(0)
	list := fmt.Sprintf("/v1/bookings?branch_id=%d", s.fix.Branch)
	if r := s.c.must(t, base, "receptionist", "GET", list, nil, 200, nil); r.header.Get("X-CCH-Read-From") != "replica" {
		t.Fatalf("list served from %q, want replica", r.header.Get("X-CCH-Read-From"))
	}
	var b workshop.Booking
	res := s.c.must(t, base, "receptionist", "POST", "/v1/bookings", map[string]any{
		"branch_id": s.fix.Branch, "customer_id": s.fix.Customer, "vehicle_id": s.fix.Vehicle,
		"starts_at": s.fix.Day.Add(9 * time.Hour).Format(time.RFC3339), "duration_minutes": 60,
		"bay_id": s.fix.Bays[0], "technician_id": s.fix.Technicians[0], "labour_operation_codes": []string{}, "notes": ""}, 201, &b)
	lsn := res.header.Get("X-CCH-LSN")
	for _, hdr := range [][]string{{"X-CCH-LSN", lsn}, nil} {
		path := list
		if hdr == nil {
			path += "&min_lsn=" + lsn
		}
		var got oltp.Collection[workshop.Booking]
		r := s.c.must(t, base, "receptionist", "GET", path, nil, 200, &got, hdr...)
		if r.header.Get("X-CCH-Read-From") != "replica" || len(got.Items) != 1 || got.Items[0].ID != b.ID {
			t.Fatalf("read as of the write (%v %s): from %q, %d bookings; want booking %d from the replica",
				hdr, path, r.header.Get("X-CCH-Read-From"), len(got.Items), b.ID)
		}
	}
	start := time.Now()
	var got oltp.Collection[workshop.Booking]
	r := s.c.must(t, base, "receptionist", "GET", list+"&min_lsn=FFFFFFFF/0", nil, 200, &got)
	if took := time.Since(start); took < 400*time.Millisecond || took > 5*time.Second {
		t.Errorf("unreachable min_lsn answered after %s; want the 400ms wait, then the primary", took)
	}
	if r.header.Get("X-CCH-Read-From") != "primary" || !strings.HasPrefix(r.header.Get("X-CCH-Replica-Fallback"), "lag") || len(got.Items) != 1 {
		t.Fatalf("unreachable min_lsn: from %q (%q), %d bookings; want the primary saying lag, 1 booking",
			r.header.Get("X-CCH-Read-From"), r.header.Get("X-CCH-Replica-Fallback"), len(got.Items))
	}
	if r := s.c.must(t, base, "receptionist", "GET", list+"&min_lsn=yesterday", nil, 400, nil); !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("bad min_lsn: %s", r.header.Get("Content-Type"))
	}
	if r := s.c.must(t, base, "receptionist", "GET", fmt.Sprintf("/v1/bookings/%d", b.ID), nil, 200, nil); r.header.Get("X-CCH-Read-From") != "" {
		t.Fatalf("a single record was routed (%q); it stays on the primary", r.header.Get("X-CCH-Read-From"))
	}
	s.replicaObservable(t, base)
	s.standby.Stop(context.Background())
	if r := s.c.must(t, base, "receptionist", "GET", list, nil, 200, &got); r.header.Get("X-CCH-Read-From") != "primary" ||
		!strings.HasPrefix(r.header.Get("X-CCH-Replica-Fallback"), "replica unreachable") || len(got.Items) != 1 {
		t.Fatalf("standby down: from %q (%q), %d bookings; want the primary, 1 booking", r.header.Get("X-CCH-Read-From"), r.header.Get("X-CCH-Replica-Fallback"), len(got.Items))
	}
	if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the standby down: %v %v; want 503", resp.StatusCode, err)
	}
	s.apis[0].stop(t)
}

// replicaObservable: /readyz passes the replica check and /metrics
// carries the standby's lag.
func (s *stack) replicaObservable(t *testing.T, base string) {
	t.Helper()
	res, err := s.c.http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("readyz %d with a streaming standby", res.StatusCode)
	}
	eventually(t, 10*time.Second, "replica lag metrics", func() error {
		r, err := s.c.do(base, "", "GET", "/metrics", nil)
		if err != nil {
			return err
		}
		for _, m := range []string{"cch_replica_lag_bytes ", "cch_replica_lag_seconds ", `cch_replica_reads_total{reason="lag",served_by="primary"} 1`} {
			if !strings.Contains(string(r.body), m) {
				return fmt.Errorf("no %s in /metrics", m)
			}
		}
		return nil
	})
}

// listsFromStandby: both APIs serve a list from the standby as of a
// write's position.
func (s *stack) listsFromStandby(t *testing.T, lsn string) {
	t.Helper()
	for i := range s.apis {
		r := s.c.must(t, s.api(i), "finance", "GET", fmt.Sprintf("/v1/payments?branch_id=%d", s.fix.Branch), nil, 200, nil, "X-CCH-LSN", lsn)
		if r.header.Get("X-CCH-Read-From") != "replica" {
			t.Fatalf("api%d served payments from %q (%s), want the standby", i+1, r.header.Get("X-CCH-Read-From"), r.header.Get("X-CCH-Replica-Fallback"))
		}
	}
}
