package oltp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Behind a transaction pooler (the connection's exec mode is
// QueryExecModeCacheDescribe, see OpenPool) a request's first statement
// runs as a named prepared statement, so PostgreSQL parses and plans it once
// per server connection instead of on every request. Server connections
// keep their prepared statements across the transactions the pooler hands
// them to, but a client cannot know which server connection its
// transaction gets, so the statement is prepared inside the transaction
// (where the server connection is pinned) and used optimistically on
// later requests:
//
//   - a client connection that has prepared the statement sends only Bind
//     and Execute, pipelined with BEGIN and the request context;
//   - when the server connection lacks it (26000) or its plan went stale
//     (0A000, the result type changed), nothing has reached the caller: the
//     transaction is rolled back and begun again, and the statement is
//     closed (a no-op when absent) and prepared in that transaction.
//
// The name is derived from the SQL text, so every API process uses the
// same name for the same statement. Later statements of the transaction
// use unnamed statements as before.

// pooledPrepared is the PgConn.CustomData key of the set of statement
// names a client connection has prepared this way.
const pooledPrepared = "cch.pooled_prepared"

// pooledName is the server-side name of sql's statement.
func pooledName(sql string) string {
	d := sha256.Sum256([]byte(sql))
	return "cch_" + hex.EncodeToString(d[:16])
}

// namedFirst reports whether the first statement runs as a named statement
// on this connection.
func (t *requestTx) namedFirst() bool {
	return t.conn.Config().DefaultQueryExecMode == pgx.QueryExecModeCacheDescribe
}

// prepared is the set of names this client connection has prepared.
func prepared(c *pgx.Conn) map[string]bool {
	data := c.PgConn().CustomData()
	m, _ := data[pooledPrepared].(map[string]bool)
	if m == nil {
		m = map[string]bool{}
		data[pooledPrepared] = m
	}
	return m
}

// missedStatement reports whether err says the server connection does not
// have the named statement, or its cached plan can no longer be used.
func missedStatement(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.Code == "26000" || (pgErr.Code == "0A000" && pgErr.Message == "cached plan must not change result type")
}

// reprepare rolls back whatever was begun, begins again and prepares sql
// as name in the new transaction; the caller sends name on the returned
// transaction.
func (t *requestTx) reprepare(ctx context.Context, sql, name string) (pgx.Tx, error) {
	if t.tx != nil {
		if err := t.Rollback(ctx); err != nil {
			return nil, fmt.Errorf("roll back to prepare: %w", err)
		}
		t.tx = nil
	}
	delete(prepared(t.conn), name)
	tx, err := t.begun(ctx)
	if err != nil {
		return nil, err
	}
	// Close is not an error for a statement the server connection lacks,
	// and makes room for the Parse when it has one under the name.
	if err := t.conn.Deallocate(ctx, name); err != nil {
		return nil, err
	}
	if _, err := t.conn.Prepare(ctx, name, sql); err != nil {
		return nil, err
	}
	prepared(t.conn)[name] = true
	return tx, nil
}

// peekedRows hands out a row that was already read (to see whether the
// statement ran) before the rest.
type peekedRows struct {
	pgx.Rows
	peeked bool
}

func (r *peekedRows) Next() bool {
	if r.peeked {
		r.peeked = false
		return true
	}
	return r.Rows.Next()
}
