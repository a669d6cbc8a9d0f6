package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/dashboards"
	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/marts"
)

// TestDash24 is a tool for working on analytics speed, not a test: with
// CCH_DASH24_DIR set it keeps the full benchmark dataset (24 months ×
// 10,000 bookings, seeded once into a cluster under DIR/pg and mirrored
// once into DIR/w.duckdb) and times every analytic on it; with
// CCH_DASH24_PG=1 also the PostgreSQL questions, with CCH_DASH24_RENDER=1
// the dashboard pages (CCH_DASH24_PAGES=a,b to pick), CCH_DASH24_ONLY=name
// one analytic, CCH_DASH24_PREPARE=1 only builds the dataset (~6 min):
//
//	CCH_DASH24_DIR=/tmp/d24 CCH_DASH24_PG=1 go test -tags duckdb_arrow -run TestDash24 -v -timeout 60m ./bench/
func TestDash24(t *testing.T) {
	dir := os.Getenv("CCH_DASH24_DIR")
	if dir == "" {
		t.Skip("CCH_DASH24_DIR not set")
	}
	ctx := context.Background()
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dir, "pg"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	pgURL := c.SuperuserURL("d24")
	if _, err := os.Stat(filepath.Join(dir, "seeded")); err != nil {
		_ = c.DropDatabase(ctx, "d24")
		db, err := NewDB(ctx, c, "d24")
		if err != nil {
			t.Fatal(err)
		}
		st, err := datagen.Seed(ctx, db.AdminURL, dashData(false), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seeded %d rows in %s", st.Total, st.Elapsed)
		os.WriteFile(filepath.Join(dir, "seeded"), nil, 0o644)
	}
	wpath := filepath.Join(dir, "w.duckdb")
	if _, err := os.Stat(filepath.Join(dir, "mirrored")); err != nil {
		os.Remove(wpath)
		duck, err := warehouse.Open(ctx, wpath, warehouse.Options{MemoryLimit: dashMemoryLimit})
		if err != nil {
			t.Fatal(err)
		}
		slot := "d24"
		dropSlot(pgURL, slot)
		svc, err := warehouse.NewService(ctx, duck, cdc.Config{URL: pgURL, Slot: slot, Publication: "cch_pub"})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		runCtx, cancel := context.WithCancel(ctx)
		go svc.Run(runCtx)
		select {
		case <-svc.Stream().Ready():
		case <-svc.Stream().Done():
			t.Fatal(svc.Stream().Err())
		}
		cancel()
		<-svc.Done()
		t.Logf("mirrored in %s", time.Since(t0))
		duck.Close()
		dropSlot(pgURL, slot)
		os.WriteFile(filepath.Join(dir, "mirrored"), nil, 0o644)
	}
	if os.Getenv("CCH_DASH24_PREPARE") != "" {
		return
	}
	duck, err := warehouse.Open(ctx, wpath, warehouse.Options{MemoryLimit: dashMemoryLimit})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	t0 := time.Now()
	if err := marts.Install(ctx, duck.DB); err != nil {
		t.Fatal(err)
	}
	t.Logf("install %s", time.Since(t0))
	// A refresher, as the benchmark's warehouse service runs one (it keeps
	// the resident visit histories).
	rctx, rcancel := context.WithCancel(ctx)
	refresher := marts.NewRefresher(marts.RefresherConfig{DB: duck.DB})
	snapshot := make(chan struct{})
	close(snapshot)
	rdone := make(chan struct{})
	go func() { defer close(rdone); _ = refresher.Run(rctx, snapshot) }()
	defer func() { rcancel(); <-rdone }()
	<-refresher.Ready()
	if rs, err := duck.DB.Query("SELECT mart, took_ms, row_count FROM mart.freshness ORDER BY took_ms DESC"); err == nil {
		for rs.Next() {
			var n string
			var ms float64
			var c int64
			rs.Scan(&n, &ms, &c)
			fmt.Printf("refresh %-26s %8.1f ms %9d rows\n", n, ms, c)
		}
		rs.Close()
	}
	pg, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)
	if _, err := pg.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(-1, 0, 0)
	p := marts.Params{OrganisationID: 1, From: from, To: to, Granularity: "month"}
	duckMed := map[string]float64{}
	for _, a := range marts.Catalog() {
		if only := os.Getenv("CCH_DASH24_ONLY"); only != "" && only != a.Name {
			continue
		}
		ts, err := timeRuns(3, func() error { _, err := marts.Run(ctx, duck.DB, a, p, 0); return err })
		if err != nil {
			t.Fatal(a.Name, err)
		}
		duckMed[a.Name] = Ms(Percentile(ts, 50))
		fmt.Printf("duck %-28s med %8.1f ms max %8.1f\n", a.Name, Ms(Percentile(ts, 50)), Ms(Percentile(ts, 100)))
	}
	if os.Getenv("CCH_DASH24_RENDER") != "" {
		if pages := os.Getenv("CCH_DASH24_PAGES"); pages != "" {
			dashPages = strings.Split(pages, ",")
		}
		ready := make(chan struct{})
		close(ready)
		figs, err := renderPages(ctx, pg, duck, dashboards.NewMarts(duck.DB, func() cdc.LSN { return 0 }, ready), 1,
			time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC), 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range figs {
			fmt.Printf("render %-30s %7.1f ms  %s\n", f.Name, f.Value, f.Note)
		}
	}
	if os.Getenv("CCH_DASH24_PG") == "" {
		return
	}
	for _, q := range pgQuestions {
		if _, ok := duckMed[q.analytic]; !ok {
			continue
		}
		a, _ := marts.Lookup(q.analytic)
		if tab, err := marts.Run(ctx, duck.DB, a, p, 0); err == nil {
			d, _ := duckAnswer(tab)
			if pa, err := pgAnswer(ctx, pg, q.sql, from, to, 1); err == nil {
				if diffs, _ := compareAnswers(d, pa); len(diffs) > 0 {
					fmt.Printf("DIFF %s: %d differences, first %s\n", q.analytic, len(diffs), diffs[0])
				}
			}
		}
		ts, err := timeRuns(1, func() error {
			r, err := pg.Query(ctx, q.sql, from.Format(time.DateOnly), to.Format(time.DateOnly), int64(1))
			if err != nil {
				return err
			}
			for r.Next() {
			}
			r.Close()
			return r.Err()
		})
		if err != nil {
			t.Fatal(q.analytic, err)
		}
		fmt.Printf("pg   %-28s med %8.1f ms  ratio %.1f\n", q.analytic, Ms(Percentile(ts, 50)), Ms(Percentile(ts, 50))/duckMed[q.analytic])
	}
}

// TestDashSQL (a tool like TestDash24) times the SQL statements in the
// file $CCH_DASH24_SQL, separated by lines "--next", on the 24-month DuckDB
// file, with $org, $from, $to, $branches and $grain bound as the benchmark
// binds them (CCH_DASH24_INSTALL=1 reinstalls the marts first).
func TestDashSQL(t *testing.T) {
	dir, file := os.Getenv("CCH_DASH24_DIR"), os.Getenv("CCH_DASH24_SQL")
	if dir == "" || file == "" {
		t.Skip("CCH_DASH24_DIR/SQL not set")
	}
	ctx := context.Background()
	duck, err := warehouse.Open(ctx, filepath.Join(dir, "w.duckdb"), warehouse.Options{MemoryLimit: dashMemoryLimit})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	if os.Getenv("CCH_DASH24_INSTALL") != "" {
		if err := marts.Install(ctx, duck.DB); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(file)
	for i, q := range strings.Split(string(b), "--next\n") {
		args := []any{sql.Named("org", int64(1)), sql.Named("to", "2026-11-01"), sql.Named("from", "2025-11-01"), sql.Named("branches", []int64{}), sql.Named("grain", "month")}
		var use []any
		for _, a := range args {
			if strings.Contains(q, "$"+a.(sql.NamedArg).Name) {
				use = append(use, a)
			}
		}
		var n int
		ts, err := timeRuns(3, func() error {
			r, err := duck.DB.QueryContext(ctx, q, use...)
			if err != nil {
				return err
			}
			n = 0
			for r.Next() {
				n++
			}
			r.Close()
			return r.Err()
		})
		if err != nil {
			t.Fatal(i, err)
		}
		fmt.Printf("q%d: med %.1f ms, %d rows\n", i, Ms(Percentile(ts, 50)), n)
	}
}
