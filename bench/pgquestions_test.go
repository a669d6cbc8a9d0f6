package bench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/marts"
)

// pgqData is the dataset of TestPGQuestionsMatchAnalytics: small, so the
// test stays well under a minute with -race, yet two months that end with
// a daylight-saving change (Europe/London, 25 October 2026).
var pgqData = datagen.Options{Seed: 3, Months: 2, Branches: 3, BookingsPerMonth: 600,
	End: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC), Audit: datagen.AuditSummary}

// maxDiffs caps the differences printed per question (the count is always
// given).
const maxDiffs = 40

// TestPGQuestionsMatchAnalytics proves that every pgQuestion of the
// dashboards benchmark asks PostgreSQL the same question as its marts
// analytic asks DuckDB: same rows, same values, over the dashboards'
// period and over a window inside the last month.
func TestPGQuestionsMatchAnalytics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster, seeds and mirrors it")
	}
	ctx := context.Background()
	pgURL := seededCluster(t, pgqData)
	refundSome(t, pgURL)
	duck := mirrorInto(t, pgURL, filepath.Join(t.TempDir(), "w.duckdb"))
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	org, from, to, err := dashPeriod(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("every SQL analytic has a question", func(t *testing.T) {
		checkCoverage(t, org, from, to)
	})
	windows := []struct {
		name     string
		from, to time.Time
		rows     bool // every question must have rows to compare
	}{
		{"dashboard period", from, to, true},
		// Days 10 to 26 of the last month: cuts months, crosses the clock change.
		{"inside the last month", to.AddDate(0, -1, 9), to.AddDate(0, -1, 26), false},
	}
	for _, w := range windows {
		t.Run(w.name, func(t *testing.T) {
			t.Logf("organisation %d, [%s, %s)", org, w.from.Format(time.DateOnly), w.to.Format(time.DateOnly))
			for _, q := range pgQuestions {
				t.Run(q.analytic, func(t *testing.T) {
					p := marts.Params{OrganisationID: org, From: w.from, To: w.to, Granularity: "month"}
					if n := comparePGQuestion(t, conn, duck, q, p); n == 0 && w.rows {
						t.Errorf("%s: no rows to compare: the dataset does not exercise it", q.analytic)
					}
				})
			}
		})
	}
}

// refundSome refunds part of every seventh issued invoice by a credit note
// (a fifth of its net, a day after it was issued), so the questions that
// net refunds have refunds to net.
func refundSome(t *testing.T, pgURL string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tag, err := conn.Exec(ctx, `INSERT INTO finance.credit_note (organisation_id, branch_id, invoice_id, net_amount, tax_amount,
		  gross_amount, reason, issued_at)
		SELECT organisation_id, branch_id, id, round(net_total / 5, 2), round(tax_total / 5, 2),
		       round(net_total / 5, 2) + round(tax_total / 5, 2), 'Goodwill refund', issued_at + interval '1 day'
		FROM finance.invoice WHERE status = 'issued' AND net_total >= 5 AND id % 7 = 0`)
	if err != nil {
		t.Fatalf("refunds: %v", err)
	}
	if tag.RowsAffected() == 0 {
		t.Fatal("no invoice to refund")
	}
}

// checkCoverage fails for every SQL analytic of the catalogue without a
// question, every question naming no analytic, and every analytic with
// two questions.
func checkCoverage(t *testing.T, org int64, from, to time.Time) {
	t.Helper()
	asked := map[string]int{}
	for _, q := range pgQuestions {
		asked[q.analytic]++
	}
	p := marts.Params{OrganisationID: org, From: from, To: to, Granularity: "month"}
	for _, a := range marts.Catalog() {
		_, _, err := a.Bind(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Computed in Go over the marts: a question is optional (and
			// compared like any other when there is one).
		case err != nil:
			t.Errorf("%s: %v", a.Name, err)
		case asked[a.Name] == 0:
			t.Errorf("SQL analytic %s has no pgQuestion", a.Name)
		case asked[a.Name] > 1:
			t.Errorf("SQL analytic %s has %d pgQuestions", a.Name, asked[a.Name])
		}
		delete(asked, a.Name)
	}
	for name := range asked {
		t.Errorf("pgQuestion for %s: no such analytic", name)
	}
}

// comparePGQuestion runs q's analytic on DuckDB and q on PostgreSQL with
// the same parameters, reports every difference of their answers and
// returns the analytic's row count.
func comparePGQuestion(t *testing.T, conn *pgx.Conn, duck *warehouse.DB, q pgQuestion, p marts.Params) int {
	t.Helper()
	ctx := context.Background()
	a, ok := marts.Lookup(q.analytic)
	if !ok {
		t.Fatalf("%s: no analytic %s", q.name, q.analytic)
	}
	t0 := time.Now()
	tab, err := marts.Run(ctx, duck.DB, a, p, 0)
	if err != nil {
		t.Fatalf("%s on DuckDB: %v", q.analytic, err)
	}
	t1 := time.Now()
	want, err := duckAnswer(tab)
	if err != nil {
		t.Fatalf("%s on DuckDB: %v", q.analytic, err)
	}
	t2 := time.Now()
	got, err := pgAnswer(ctx, conn, q.sql, p.From, p.To, p.OrganisationID)
	if err != nil {
		t.Fatalf("%q (%s) on PostgreSQL: %v", q.name, q.analytic, err)
	}
	took := fmt.Sprintf("DuckDB %s, PostgreSQL %s", t1.Sub(t0).Round(time.Millisecond), time.Since(t2).Round(time.Millisecond))
	diffs, sorted := compareAnswers(want, got)
	if len(diffs) == 0 {
		order := "in the analytic's order"
		if sorted {
			order = "once both sides are sorted (PostgreSQL's order differs)"
		}
		t.Logf("%d rows × %d columns agree %s (%s)", len(want.rows), len(want.columns), order, took)
		return len(want.rows)
	}
	how := "row by row in the analytic's order"
	if sorted {
		how = "row by row after sorting both sides by every column"
	}
	shown := diffs
	if len(shown) > maxDiffs {
		shown = append(shown[:maxDiffs:maxDiffs], fmt.Sprintf("… and %d more", len(diffs)-maxDiffs))
	}
	t.Errorf("%q (%s): %d differences between DuckDB and PostgreSQL, %s (%s):\n%s",
		q.name, q.analytic, len(diffs), how, took, strings.Join(shown, "\n"))
	return len(want.rows)
}

// dashPeriod is the organisation and period DashboardSuite uses: the first
// organisation, the 12 months ending with the month of the last invoice.
func dashPeriod(ctx context.Context, conn *pgx.Conn) (org int64, from, to time.Time, err error) {
	var last time.Time
	err = conn.QueryRow(ctx, `SELECT (SELECT min(id) FROM core.organisation), (SELECT max(issued_at) FROM finance.invoice)`).Scan(&org, &last)
	if err != nil {
		return 0, from, to, fmt.Errorf("dataset bounds: %w", err)
	}
	last = last.UTC()
	to = time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	return org, to.AddDate(-1, 0, 0), to, nil
}

// seededCluster starts a throwaway cluster, creates and migrates a
// database, seeds data into it and returns its superuser URL. The cluster
// stops and its directory goes when the test ends.
func seededCluster(t *testing.T, data datagen.Options) string {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cch-bench-pgq-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The server may run as another OS user (root → postgres): let it in.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dir, "pg"), Fast: true})
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Stop(sctx); err != nil {
			t.Logf("stop cluster: %v", err)
		}
	})
	db, err := NewDB(ctx, c, "bench_pgq")
	if err != nil {
		t.Fatal(err)
	}
	st, err := datagen.Seed(ctx, db.AdminURL, data, nil)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	t.Logf("seeded %d rows in %s", st.Total, st.Elapsed.Round(time.Millisecond))
	// Statistics, as a live database has them: without, PostgreSQL plans
	// some questions badly (seconds instead of milliseconds).
	conn, err := pgx.Connect(ctx, db.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatalf("analyze: %v", err)
	}
	return db.AdminURL
}

// mirrorInto copies the database at pgURL into a DuckDB file at path
// through the CDC initial snapshot, stops the pipeline and installs the
// marts. The warehouse is closed when the test ends.
func mirrorInto(t *testing.T, pgURL, path string) *warehouse.DB {
	t.Helper()
	ctx := context.Background()
	duck, err := warehouse.Open(ctx, path, warehouse.Options{MemoryLimit: "1GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duck.Close() })
	slot := fmt.Sprintf("bench_pgq_%d", os.Getpid())
	svc, err := warehouse.NewService(ctx, duck, cdc.Config{URL: pgURL, Slot: slot, Publication: "cch_pub",
		BatchInterval: 50 * time.Millisecond, StatusInterval: 200 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	go svc.Run(runCtx)
	stop := func() { cancel(); <-svc.Stream().Done() }
	select {
	case <-svc.Stream().Ready():
	case <-svc.Stream().Done():
		cancel()
		t.Fatalf("pipeline stopped: %v", svc.Stream().Err())
	case <-time.After(3 * time.Minute):
		stop()
		t.Fatal("pipeline not ready after 3 minutes")
	}
	stop()
	dropSlot(pgURL, slot)
	t.Logf("mirrored in %s", time.Since(t0).Round(time.Millisecond))
	if err := marts.Install(ctx, duck.DB); err != nil {
		t.Fatalf("install marts: %v", err)
	}
	return duck
}

// TestCompareAnswers pins down what counts as the same answer.
func TestCompareAnswers(t *testing.T) {
	at := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	cols := []string{"a", "b"}
	rows := func(r ...[]any) answer { return answer{columns: cols, rows: r} }
	for _, tc := range []struct {
		name      string
		duck, pg  answer
		diffs     int
		sorted    bool
		firstDiff string
	}{
		{"equal", rows([]any{1.0, "x"}), rows([]any{1.0, "x"}), 0, false, ""},
		{"relative tolerance", rows([]any{1000.0, nil}), rows([]any{1000.0000001, nil}), 0, false, ""},
		{"noise around zero", rows([]any{1e-12, true}), rows([]any{0.0, true}), 0, false, ""},
		{"number off", rows([]any{1000.0, nil}), rows([]any{1000.01, nil}), 1, false, "row 1, column 1 (a): DuckDB 1000, PostgreSQL 1000.01"},
		{"NULL is not 0", rows([]any{nil, "x"}), rows([]any{0.0, "x"}), 1, false, "row 1, column 1 (a): DuckDB NULL, PostgreSQL 0"},
		{"instants in any zone", rows([]any{at, "2026-10-25"}), rows([]any{at.In(london), "2026-10-25"}), 0, false, ""},
		{"dates differ", rows([]any{at, "2026-10-25"}), rows([]any{at, "2026-10-24"}), 1, false, ""},
		{"booleans", rows([]any{true, 1.0}), rows([]any{false, 1.0}), 1, false, ""},
		{"bool is not a number", rows([]any{true, 1.0}), rows([]any{1.0, 1.0}), 1, false, ""},
		{"other order", rows([]any{1.0, "x"}, []any{2.0, "y"}), rows([]any{2.0, "y"}, []any{1.0, "x"}), 0, true, ""},
		{"row count", rows([]any{1.0, "x"}, []any{2.0, "y"}), rows([]any{2.0, "y"}), 2, false, "2 rows on DuckDB, 1 rows on PostgreSQL"},
		{"column count", rows([]any{1.0, "x"}), answer{columns: []string{"a"}, rows: [][]any{{1.0}}}, 1, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diffs, sorted := compareAnswers(tc.duck, tc.pg)
			if len(diffs) != tc.diffs || sorted != tc.sorted {
				t.Fatalf("%d differences (sorted %v), want %d (sorted %v): %q", len(diffs), sorted, tc.diffs, tc.sorted, diffs)
			}
			if tc.firstDiff != "" && diffs[0] != tc.firstDiff {
				t.Errorf("first difference %q, want %q", diffs[0], tc.firstDiff)
			}
		})
	}
}
