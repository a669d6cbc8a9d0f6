package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestDevStandby: `cch dev --standby` runs a streaming hot standby beside
// the local Postgres, names it in dev.json's replica_url (the API's login
// on the standby, read-only), includes it in readiness and stops it with the rest.
func TestDevStandby(t *testing.T) {
	dataDir := tempDataDir(t)
	info, d, cancel, done := startDev(t, dataDir, false, "--standby")
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			<-done
		}
	}()
	waitReady(t, info.HTTPURL, time.Minute)
	if info.ReplicaURL == "" || info.ReplicaURL == info.AppDatabaseURL {
		t.Fatalf("dev.json replica_url %q (app %q)", info.ReplicaURL, info.AppDatabaseURL)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, info.ReplicaURL)
	if err != nil {
		t.Fatal(err)
	}
	var recovery bool
	if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovery); err != nil || !recovery {
		t.Fatalf("replica_url server in recovery: %v (%v)", recovery, err)
	}
	conn.Close(ctx)
	super, err := pgx.Connect(ctx, d.cluster.SuperuserURL(devDatabase))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close(ctx)
	var state string
	if err := super.QueryRow(ctx, "SELECT state FROM pg_stat_replication WHERE application_name = 'cch_standby'").Scan(&state); err != nil || state != "streaming" {
		t.Fatalf("standby replication state %q (%v)", state, err)
	}
	res, err := http.Get(info.HTTPURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	buf := make([]byte, 4096)
	n, _ := res.Body.Read(buf)
	body.Write(buf[:n])
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(body.String(), "replica") {
		t.Fatalf("readyz %d %s; want 200 with the replica check", res.StatusCode, body.String())
	}
	cancel()
	<-done
	stopped = true
	select {
	case <-d.standby.Done():
	default:
		t.Fatal("standby still running after stop")
	}
}
