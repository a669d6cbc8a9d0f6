package pglocal_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/internal/pglocal"
)

// TestTLSAndBouncer: a cluster started with TLS accepts verify-full
// connections against its own CA and refuses connections without TLS, and a PgBouncer in transaction mode in
// front of it reaches it over TLS and serves clients over TLS, many
// concurrent transactions of unnamed statements.
func TestTLSAndBouncer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := tempDir(t)
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: dir + "/pg", Fast: true, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	super := c.SuperuserURL("postgres")
	if !strings.Contains(super, "sslmode=verify-full") {
		t.Fatalf("superuser URL %q does not verify the server", super)
	}
	if got := query(t, super, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()"); got != "true" {
		t.Fatalf("direct connection ssl = %s", got)
	}
	other, err := url.Parse(super)
	if err != nil {
		t.Fatal(err)
	}
	q := other.Query()
	q.Set("sslrootcert", dir+"/missing.crt")
	other.RawQuery = q.Encode()
	if _, err := pgx.Connect(ctx, other.String()); err == nil {
		t.Fatal("connected with a root certificate that does not exist")
	}
	plain := strings.Replace(super, "sslmode=verify-full", "sslmode=disable", 1)
	if _, err := pgx.Connect(ctx, plain); err == nil {
		t.Fatal("connected without TLS to a cluster that runs with TLS")
	}
	b, err := pglocal.StartBouncer(ctx, pglocal.BouncerConfig{Dir: dir + "/bouncer", Server: c,
		Users: map[string]string{pglocal.Superuser: c.Password()}, PoolSize: 4, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Stop(context.Background()) })
	through := b.URL(pglocal.Superuser, c.Password(), "postgres") + "&default_query_exec_mode=cache_describe"
	if got := query(t, through, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()"); got != "true" {
		t.Fatalf("server connection of pgbouncer: ssl = %s", got)
	}
	if got := query(t, through, "SELECT inet_server_port()::text"); got == "" || got == itoa(b.Port()) {
		t.Fatalf("inet_server_port through pgbouncer = %s", got)
	}
	pool, err := pgxpool.New(ctx, through)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					var n int
					return tx.QueryRow(ctx, "SELECT $1::int + 1", i).Scan(&n)
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
