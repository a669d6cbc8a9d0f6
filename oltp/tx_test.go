package oltp_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/oltptest"
)

// The request transaction pipelines BEGIN and the request context with the
// handler's first statement and reads the WAL position with COMMIT; these
// tests pin down that it still behaves as a plain pgx transaction would,
// against a real server: the first statement of every kind runs as the
// business role, errors keep their SQLSTATE and write nothing, a swallowed
// error fails the commit, savepoints work, and the returned position is
// past the commit.

const insertKey = `INSERT INTO api.idempotency_key (organisation_id, staff_id, key, request_hash)
	VALUES ($1, $2, $3::text, sha256(convert_to($3::text, 'UTF8')))`

func TestInTxFirstStatementRunsAsTheCaller(t *testing.T) {
	eachExecMode(t, inTxFirstStatementRunsAsTheCaller)
}

func inTxFirstStatementRunsAsTheCaller(t *testing.T, env *oltptest.Env) {
	ctx := context.Background()
	p := receptionist(env)
	const who = "SELECT current_user::text, current_setting('app.role'), current_setting('app.staff_id')::bigint, current_setting('app.request_id')"
	first := map[string]func(tx pgx.Tx) (user, role string, staff int64, req string, err error){
		"QueryRow": func(tx pgx.Tx) (user, role string, staff int64, req string, err error) {
			err = tx.QueryRow(ctx, who).Scan(&user, &role, &staff, &req)
			return
		},
		"Query": func(tx pgx.Tx) (user, role string, staff int64, req string, err error) {
			rows, _ := tx.Query(ctx, who)
			n := 0
			for rows.Next() {
				n++
				err = rows.Scan(&user, &role, &staff, &req)
			}
			if rows.Err() != nil {
				err = rows.Err()
			} else if n != 1 {
				err = errors.New("want exactly one row")
			}
			return
		},
		"Exec": func(tx pgx.Tx) (user, role string, staff int64, req string, err error) {
			if _, err = tx.Exec(ctx, "SELECT set_config('app.probe', current_user::text, true)"); err != nil {
				return
			}
			err = tx.QueryRow(ctx, who).Scan(&user, &role, &staff, &req)
			if err == nil {
				err = tx.QueryRow(ctx, "SELECT current_setting('app.probe')").Scan(&user)
			}
			return
		},
	}
	for name, fn := range first {
		for _, readOnly := range []bool{true, false} {
			var user, role, req string
			var staff int64
			lsn, err := oltp.InTx(ctx, env.Pool, p, "req-"+name, readOnly, func(tx pgx.Tx) (err error) {
				user, role, staff, req, err = fn(tx)
				return err
			})
			if err != nil {
				t.Fatalf("%s (read only %v): %v", name, readOnly, err)
			}
			if user != "cch_receptionist" || role != "receptionist" || staff != p.StaffID || req != "req-"+name {
				t.Errorf("%s: ran as %s/%s staff %d request %q", name, user, role, staff, req)
			}
			if readOnly != (lsn == "") {
				t.Errorf("%s (read only %v): X-CCH-LSN %q", name, readOnly, lsn)
			}
		}
	}
	// Read only is enforced from the first statement on.
	_, err := oltp.InTx(ctx, env.Pool, p, "ro", true, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, insertKey, p.OrganisationID, p.StaffID, "read-only")
		return err
	})
	if code := sqlState(err); code != "25006" {
		t.Errorf("write in a read-only request: %v, want SQLSTATE 25006", err)
	}
}

func TestInTxCommitReturnsAPositionPastTheCommit(t *testing.T) {
	eachExecMode(t, inTxCommitReturnsAPositionPastTheCommit)
}

func inTxCommitReturnsAPositionPastTheCommit(t *testing.T, env *oltptest.Env) {
	ctx := context.Background()
	p := receptionist(env)
	var before string
	if err := env.Admin.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&before); err != nil {
		t.Fatal(err)
	}
	lsn, err := oltp.InTx(ctx, env.Pool, p, "w", false, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, insertKey, p.OrganisationID, p.StaffID, "committed")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The row is committed (another session sees it) and the position is
	// at or past the commit record of the transaction that wrote it.
	var visible, past bool
	err = env.Admin.QueryRow(ctx, `SELECT count(*) = 1, $1::pg_lsn > $2::pg_lsn
		FROM api.idempotency_key WHERE key = 'committed'`, lsn, before).Scan(&visible, &past)
	if err != nil || !visible || !past {
		t.Fatalf("after commit: visible %v, position %s past %s: %v (err %v)", visible, lsn, before, past, err)
	}
}

func TestInTxErrorsKeepTheirStateAndWriteNothing(t *testing.T) {
	eachExecMode(t, inTxErrorsKeepTheirStateAndWriteNothing)
}

func inTxErrorsKeepTheirStateAndWriteNothing(t *testing.T, env *oltptest.Env) {
	ctx := context.Background()
	p := receptionist(env)
	cases := map[string]struct {
		fn   func(tx pgx.Tx) error
		code string
	}{
		// The first statement fails inside the pipeline.
		"row-level security": {func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, insertKey, p.OrganisationID, p.StaffID+1000, "rls")
			return err
		}, "42501"},
		"unique violation on a later statement": {func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, insertKey, p.OrganisationID, p.StaffID, "dup"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, insertKey, p.OrganisationID, p.StaffID, "dup")
			return err
		}, "23505"},
		"QueryRow's error at Scan": {func(tx pgx.Tx) error {
			var n int
			return tx.QueryRow(ctx, "SELECT 1/0").Scan(&n)
		}, "22012"},
		"no such table": {func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "SELECT * FROM api.no_such_table")
			return err
		}, "42P01"},
	}
	for name, c := range cases {
		_, err := oltp.InTx(ctx, env.Pool, p, name, false, c.fn)
		if code := sqlState(err); code != c.code {
			t.Errorf("%s: %v, want SQLSTATE %s", name, err, c.code)
		}
	}
	// A handler that swallows an error cannot commit what came before it.
	_, err := oltp.InTx(ctx, env.Pool, p, "swallowed", false, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertKey, p.OrganisationID, p.StaffID, "swallowed"); err != nil {
			return err
		}
		_, _ = tx.Exec(ctx, "SELECT 1/0")
		return nil
	})
	if err == nil {
		t.Error("a transaction with a swallowed error committed")
	}
	var n int
	if err := env.Admin.QueryRow(ctx, "SELECT count(*) FROM api.idempotency_key").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows written by failed transactions (%v)", n, err)
	}
	// QueryRow without a row is pgx.ErrNoRows, as from pgx itself.
	_, err = oltp.InTx(ctx, env.Pool, p, "none", true, func(tx pgx.Tx) error {
		var k string
		return tx.QueryRow(ctx, "SELECT key FROM api.idempotency_key WHERE false").Scan(&k)
	})
	if !errors.Is(err, pgx.ErrNoRows) {
		t.Errorf("no row: %v, want pgx.ErrNoRows", err)
	}
	// Every connection went back to the pool usable.
	for range int(env.Pool.Stat().TotalConns()) + 1 {
		if _, err := oltp.InTx(ctx, env.Pool, p, "after", true, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "SELECT 1")
			return err
		}); err != nil {
			t.Fatalf("after the failures: %v", err)
		}
	}
}

func TestInTxSavepoint(t *testing.T) { eachExecMode(t, inTxSavepoint) }

func inTxSavepoint(t *testing.T, env *oltptest.Env) {
	ctx := context.Background()
	p := receptionist(env)
	for _, firstIsSavepoint := range []bool{true, false} {
		key := "kept"
		if firstIsSavepoint {
			key = "kept-sp-first"
		}
		_, err := oltp.InTx(ctx, env.Pool, p, "sp", false, func(tx pgx.Tx) error {
			if !firstIsSavepoint {
				if _, err := tx.Exec(ctx, insertKey, p.OrganisationID, p.StaffID, key); err != nil {
					return err
				}
			}
			sp, err := tx.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := sp.Exec(ctx, insertKey, p.OrganisationID, p.StaffID, "undone"); err != nil {
				return err
			}
			if err := sp.Rollback(ctx); err != nil {
				return err
			}
			if firstIsSavepoint {
				_, err = tx.Exec(ctx, insertKey, p.OrganisationID, p.StaffID, key)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	rows, _ := env.Admin.Query(ctx, "SELECT key FROM api.idempotency_key ORDER BY key")
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(keys) != 2 || keys[0] != "kept" || keys[1] != "kept-sp-first" {
		t.Fatalf("rows after savepoint rollbacks: %v (%v)", keys, err)
	}
}

// eachExecMode runs test on a fresh Env twice: with the pool preparing
// and caching statements (a direct connection) and with the pool a
// transaction pooler needs (oltp.PoolerTransaction: unnamed statements,
// cached descriptions).
func eachExecMode(t *testing.T, test func(*testing.T, *oltptest.Env)) {
	t.Run("prepared", func(t *testing.T) { test(t, oltptest.New(t)) })
	t.Run("pooler", func(t *testing.T) {
		env := oltptest.New(t)
		u, err := url.Parse(env.AdminURL)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword("cch_app", oltptest.AppPassword)
		pool, err := oltp.OpenPool(context.Background(), u.String(), oltp.PoolConfig{MaxConns: 4, Pooler: oltp.PoolerTransaction})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		if mode := pool.Config().ConnConfig.DefaultQueryExecMode; mode != pgx.QueryExecModeCacheDescribe {
			t.Fatalf("exec mode %v", mode)
		}
		env.Pool = pool
		test(t, env)
	})
}

func receptionist(env *oltptest.Env) oltp.Principal {
	return oltp.Principal{StaffID: env.Fix.Staff["receptionist"], OrganisationID: env.Fix.Org, Role: "receptionist",
		BranchIDs: []int64{env.Fix.Branch}}
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}
