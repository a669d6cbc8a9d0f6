package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/internal/pgstats"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/notify"
)

// lockedBuffer is a command's stdout, read while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitMatch waits until re matches the buffer and returns its first group.
func waitMatch(t *testing.T, b *lockedBuffer, re *regexp.Regexp, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("command ended early: %v\n%s", err, b.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no %s in output:\n%s", re, b.String())
	return ""
}

// stackDatabase is a migrated database on a cluster of the test's own, with
// login passwords for cch_app and cch_replicator and a manager's token.
func stackDatabase(t *testing.T) (c *pglocal.Cluster, appURL, replURL, token string) {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Dir(tempDataDir(t))
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dir, "pg"), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	if err := c.CreateDatabase(ctx, "cch"); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Apply(ctx, c.SuperuserURL("cch"), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, c.SuperuserURL("cch"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var staff int64
	err = admin.QueryRow(ctx, `WITH o AS (INSERT INTO core.organisation (name) VALUES ('Metrics Motors') RETURNING id),
		b AS (INSERT INTO core.branch (organisation_id, code, name, timezone) SELECT id, 'MET', 'Metrics', 'UTC' FROM o RETURNING id, organisation_id),
		s AS (INSERT INTO core.staff (organisation_id, home_branch_id, given_name, family_name, email, pay_basis, cost_rate, pay_rate)
		      SELECT organisation_id, id, 'Mia', 'Manager', 'mia@metrics.test', 'hourly', 25, 20 FROM b RETURNING id, organisation_id, home_branch_id)
		INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) SELECT organisation_id, id, 'manager', home_branch_id FROM s RETURNING staff_id`).Scan(&staff)
	if err != nil {
		t.Fatal(err)
	}
	if token, _, err = oltp.IssueToken(ctx, admin, staff, "manager", time.Hour, "metrics test"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"ALTER ROLE cch_app LOGIN PASSWORD 'app'", "ALTER ROLE cch_replicator LOGIN PASSWORD 'repl'",
		"CREATE EXTENSION IF NOT EXISTS pg_stat_statements"} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return c, c.URL("cch_app", "app", "cch"), c.URL("cch_replicator", "repl", "cch"), token
}

// start parses and runs r until the test ends.
func start(t *testing.T, r runner, args ...string) <-chan error {
	t.Helper()
	if err := r.Parse(args); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("command did not stop")
		}
		r.Close()
	})
	return done
}

func httpDo(t *testing.T, method, u, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// scrape adds the sample names a /metrics endpoint exposes to into and
// returns each series (name and labels as exposed) with its value.
func scrape(t *testing.T, u string, into map[string]bool) map[string]float64 {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	series := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		into[strings.FieldsFunc(line, func(r rune) bool { return r == '{' || r == ' ' })[0]] = true
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			v, _ := strconv.ParseFloat(line[i+1:], 64)
			series[line[:i]] = v
		}
	}
	return series
}

// Every metric a Prometheus rule or Grafana panel reads is exposed by the
// running processes: cch api and cch warehouse as commands, and the
// collectors cch worker registers.
func TestDeployMetricsExistOnARunningStack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, the API and the warehouse")
	}
	c, appURL, replURL, token := stackDatabase(t)
	var apiOut, whOut lockedBuffer
	apiDone := start(t, &apiCmd{stdout: &apiOut, stderr: io.Discard}, "--database-url", appURL, "--http", "127.0.0.1:0")
	whDone := start(t, &warehouseCmd{stdout: &whOut, stderr: io.Discard}, "--database-url", replURL,
		"--duckdb", filepath.Join(t.TempDir(), "w.duckdb"), "--http", "127.0.0.1:0", "--api-database-url", appURL,
		"--memory-limit", "512MB", "--marts-interval", "200ms", "--flight-sql", "127.0.0.1:0")
	apiURL := waitMatch(t, &apiOut, regexp.MustCompile(`"url":"(http://[^"]+)"`), apiDone)
	whURL := waitMatch(t, &whOut, regexp.MustCompile(`metrics and health on (http://\S+)`), whDone)
	flightAddr := waitMatch(t, &whOut, regexp.MustCompile(`Flight SQL on (\S+)`), whDone)

	deadline := time.Now().Add(2 * time.Minute)
	for httpDo(t, "GET", whURL+"/readyz", "", "") != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("warehouse never ready")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if s := httpDo(t, "GET", apiURL+"/v1/customers", token, ""); s != http.StatusOK {
		t.Fatalf("GET /v1/customers = %d", s)
	}
	if s := httpDo(t, "POST", whURL+"/v1/sql", token, `{"query": "SELECT count(*) FROM core.organisation"}`); s != http.StatusOK {
		t.Fatalf("POST /v1/sql = %d", s)
	}
	if s := httpDo(t, "POST", whURL+"/v1/sql", token, `{"query": "DELETE FROM core.organisation"}`); s != http.StatusForbidden {
		t.Fatalf("POST /v1/sql DELETE = %d, want 403", s)
	}

	flightQueries(t, flightAddr, token)

	// The worker's collectors, on the registry every command starts with.
	pool, err := pgxpool.New(context.Background(), c.SuperuserURL("cch"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	reg := newRegistry()
	reg.MustRegister(&notify.OutboxCollector{Pool: pool}, &pgstats.Collector{Pool: pool}, oltp.NewPoolCollector(pool, "worker"))
	worker := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer worker.Close()

	exposed, values := map[string]bool{}, map[string]float64{}
	for _, u := range []string{apiURL + "/metrics", whURL + "/metrics", worker.URL} {
		for k, v := range scrape(t, u, exposed) {
			values[k] = v
		}
	}
	// The values say what happened.
	for series, want := range map[string]float64{
		`cch_analyst_queries_total{outcome="ok",path="sql"}`:          1,
		`cch_analyst_queries_total{outcome="rejected",path="sql"}`:    1,
		`cch_analyst_queries_total{outcome="rejected",path="flight"}`: 1,
		`cch_cdc_streaming`:                         1,
		`cch_warehouse_rebuilding`:                  0,
		`cch_pg_stat_statements_available`:          1,
		`cch_outbox_notifications{status="failed"}`: 0,
	} {
		if got, ok := values[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	for _, series := range []string{`cch_analyst_queries_total{outcome="ok",path="flight"}`, `cch_pg_pool_acquires_total{pool="api"}`, `cch_mart_refreshes_total{outcome="ok"}`,
		`cch_http_request_duration_seconds_count{method="GET",route="/v1/customers",status="200"}`} {
		if values[series] < 1 {
			t.Errorf("%s = %v, want at least 1", series, values[series])
		}
	}
	exprs, recorded := deployExpressions(t)
	checked := 0
	for where, expr := range exprs {
		for _, name := range metricNames(expr) {
			checked++
			switch {
			case strings.Contains(name, ":"):
				if !recorded[name] {
					t.Errorf("%s reads %s, which no recording rule defines", where, name)
				}
			case name == "up": // Prometheus's own
			case !exposed[name]:
				t.Errorf("%s reads %s, which no running process exposes", where, name)
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d metric references checked", checked)
	}
}

// flightQueries runs one SELECT (read to the end) and one refused DELETE
// through the warehouse's Flight SQL endpoint.
func flightQueries(t *testing.T, addr, token string) {
	t.Helper()
	cl, err := flightsql.NewClient(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, err := cl.Client.AuthenticateBasicToken(context.Background(), "analyst", token)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cl.Execute(ctx, "SELECT count(*) FROM core.organisation")
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range info.Endpoint {
		rdr, err := cl.DoGet(ctx, ep.Ticket)
		if err != nil {
			t.Fatal(err)
		}
		for rdr.Next() {
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
	}
	// The query runs at DoGet (Execute only hands out a ticket).
	info, err = cl.Execute(ctx, "DELETE FROM core.organisation")
	if err == nil {
		var rdr interface{ Release() }
		if rdr, err = cl.DoGet(ctx, info.Endpoint[0].Ticket); err == nil {
			rdr.Release()
		}
	}
	if err == nil {
		t.Fatal("Flight SQL ran a DELETE")
	}
}
