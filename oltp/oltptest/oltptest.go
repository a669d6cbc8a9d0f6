// Package oltptest builds a running API for tests: a migrated database on
// the test binary's throwaway cluster (pgtest), a small fixture business,
// one bearer token per role, and an httptest server. Call pgtest.Main from
// the test package's TestMain.
package oltptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
)

// AppPassword is the password tests give the cch_app login role.
const AppPassword = "cch-app-test"

// Env is a running API over a fixture business.
type Env struct {
	URL      string // base URL of the API
	AdminURL string // superuser URL of the test database
	Admin    *pgx.Conn
	Pool     *pgxpool.Pool // the API's pool (cch_app)
	API      *oltp.API
	Tokens   map[string]string // business role → bearer token
	Fix      Fixture
}

// Fixture holds the ids of the fixture business.
type Fixture struct {
	Org, OtherOrg, Branch, OtherBranch int64
	Bays                               []int64
	Technicians                        []int64
	Staff                              map[string]int64 // role → staff id
	Customer, Vehicle, OtherCustomer   int64
	Day                                time.Time // a future weekday the branch is open 08:00–18:00 UTC
}

// New migrates a fresh database, loads the fixture, issues tokens and
// starts the API with the given workflows registered.
func New(t testing.TB, register ...func(*oltp.API)) *Env {
	t.Helper()
	ctx := context.Background()
	adminURL := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, adminURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	if _, err := admin.Exec(ctx, "ALTER ROLE cch_app LOGIN PASSWORD '"+AppPassword+"'"); err != nil {
		t.Fatal(err)
	}
	env := &Env{AdminURL: adminURL, Admin: admin, Tokens: map[string]string{}}
	env.Fix = loadFixture(t, admin)
	for role, staff := range env.Fix.Staff {
		tok, _, err := oltp.IssueToken(ctx, admin, staff, role, time.Hour, "test")
		if err != nil {
			t.Fatalf("token for %s: %v", role, err)
		}
		env.Tokens[role] = tok
	}
	u, _ := url.Parse(adminURL)
	u.User = url.UserPassword("cch_app", AppPassword)
	env.Pool, err = oltp.OpenPool(ctx, u.String(), oltp.PoolConfig{MaxConns: 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Pool.Close)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := oltp.NewServer(oltp.Options{Logger: log, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	env.API = oltp.NewAPI(srv, env.Pool, log)
	for _, r := range register {
		r(env.API)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	env.URL = hs.URL
	return env
}

// Response is a decoded HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Do sends a request as role ("" = no token) with an optional body (a
// string is sent as is, anything else as JSON) and extra headers.
func (e *Env) Do(t testing.TB, role, method, path string, body any, hdr ...string) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.Tokens[role])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Count returns the number of rows of a table, read as superuser.
func (e *Env) Count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := e.Admin.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// testWriter sends server error logs (500s) to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}
