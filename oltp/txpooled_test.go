package oltp_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/oltptest"
)

// TestInTxBehindAPoolerPreparesTheFirstStatementOncePerServerConnection:
// in transaction-pooler mode the request's first statement is a named
// prepared statement on the server connection, reused by the next request,
// and a server connection that lacks it (as when the pooler hands over
// another one) is recovered from without the caller seeing an error.
func TestInTxBehindAPoolerPreparesTheFirstStatementOncePerServerConnection(t *testing.T) {
	ctx := context.Background()
	env := oltptest.New(t)
	u, err := url.Parse(env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("cch_app", oltptest.AppPassword)
	// One connection: every request meets the same server session.
	pool, err := oltp.OpenPool(ctx, u.String(), oltp.PoolConfig{MaxConns: 1, Pooler: oltp.PoolerTransaction})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	p := receptionist(env)
	const first = "SELECT current_user::text, current_setting('app.request_id'), $1::int + 1"
	const named = "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1"
	request := func(id string, then func(tx pgx.Tx) error) (prepared int) {
		t.Helper()
		_, err := oltp.InTx(ctx, pool, p, id, false, func(tx pgx.Tx) error {
			var user, req string
			var n int
			if err := tx.QueryRow(ctx, first, 41).Scan(&user, &req, &n); err != nil {
				return err
			}
			if user != "cch_receptionist" || req != id || n != 42 {
				t.Errorf("request %s: ran as %s, request %q, result %d", id, user, req, n)
			}
			if err := tx.QueryRow(ctx, named, first).Scan(&prepared); err != nil {
				return err
			}
			if then != nil {
				return then(tx)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("request %s: %v", id, err)
		}
		return prepared
	}
	if n := request("a", nil); n != 1 {
		t.Fatalf("after the first request %d statements hold the SQL, want 1 (named)", n)
	}
	// The server session loses its statements, as a different server
	// connection would not have them.
	if n := request("b", func(tx pgx.Tx) error { _, err := tx.Exec(ctx, "DEALLOCATE ALL"); return err }); n != 1 {
		t.Fatalf("second request: %d statements hold the SQL, want 1 (reused)", n)
	}
	if n := request("c", nil); n != 1 {
		t.Fatalf("after the statement went missing: %d statements hold the SQL, want 1 (prepared again)", n)
	}
}
