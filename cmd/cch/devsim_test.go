package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/simulate"
)

var kpiValue = regexp.MustCompile(`data-kpi="([a-z_]+)">([^<]*)<`)

// overviewFigures reads the Overview page's headline figures as the manager.
func overviewFigures(t *testing.T, base, token string) map[string]string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/dashboards/overview", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("overview: %d %s", resp.StatusCode, b)
	}
	out := map[string]string{}
	for _, m := range kpiValue.FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = m[2]
	}
	if len(out) == 0 {
		t.Fatalf("no headline figures on the overview: %.300s", b)
	}
	return out
}

// TestSimulatorMovesTheOverview: on a business anchored to today, the
// simulator (driving only the HTTP API with staff tokens) changes a figure
// on the Overview within 10 seconds of starting.
func TestSimulatorMovesTheOverview(t *testing.T) {
	dataDir := tempDataDir(t)
	info, d, cancel, done := startDev(t, dataDir, false, "--simulate=0")
	defer func() { cancel(); <-done }()
	waitReady(t, info.HTTPURL, time.Minute)
	ctx := context.Background()
	super := d.cluster.SuperuserURL(devDatabase)
	data := datagen.Options{Seed: 9, Months: 2, Branches: 1, BookingsPerMonth: 200, Anchor: datagen.AnchorOf(time.Now()), FutureDays: 28,
		Audit: datagen.AuditSummary}
	if _, err := datagen.Seed(ctx, super, data, d.log); err != nil {
		t.Fatalf("seed: %v", err)
	}
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := ensureDemoTokens(ctx, conn, filepath.Join(dataDir, "tokens.json"), false)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	techs, err := d.staffTokens(ctx, "technician")
	if err != nil || len(techs) == 0 {
		t.Fatalf("technician tokens: %d, %v", len(techs), err)
	}
	// Wait until the warehouse shows the seeded business, then settle.
	var before map[string]string
	for deadline := time.Now().Add(2 * time.Minute); ; {
		before = overviewFigures(t, info.HTTPURL, tokens["manager"])
		time.Sleep(2 * time.Second)
		if again := overviewFigures(t, info.HTTPURL, tokens["manager"]); maps.Equal(before, again) && before["revenue_year"] != "£0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the overview never settled: %v", before)
		}
	}
	sim, err := simulate.New(simulate.Config{BaseURL: info.HTTPURL, Tokens: tokens, Technicians: techs, Rate: 3, Seed: 1,
		Log: slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	simCtx, stop := context.WithCancel(ctx)
	simDone := make(chan error, 1)
	go func() { simDone <- sim.Run(simCtx) }()
	defer func() { stop(); <-simDone }()
	start := time.Now()
	for {
		after := overviewFigures(t, info.HTTPURL, tokens["manager"])
		if !maps.Equal(before, after) {
			t.Logf("after %s (%d actions, %d refused): %v → %v", time.Since(start).Round(time.Millisecond), sim.Actions(), sim.Refusals(), before, after)
			return
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("no overview figure changed within 10 s (%d actions, %d refused): %v", sim.Actions(), sim.Refusals(), after)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// testLogWriter writes log lines to the test's log (refusals show on failure).
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
