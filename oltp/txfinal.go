package oltp

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Final runs sql as the last statement of the request's transaction and
// returns its row. When it is also the first statement and the request
// carries no Idempotency-Key (whose response is stored after the handler),
// it travels in one round trip with BEGIN, the request context, COMMIT and
// the read of the WAL position: the whole write costs one round trip, not
// two. The transaction then ends with the statement, so the statement must
// write nothing unless the request succeeds (a refusal the handler reads
// from its row commits an empty transaction), and the handler sends no
// statement after it. Otherwise (a statement was sent before, or behind a
// transaction pooler) it is QueryRow, and the commit follows the handler.
func (c *Call) Final(ctx context.Context, sql string, args ...any) pgx.Row {
	if t, ok := c.Tx.(*requestTx); ok && c.finalCommit {
		return finalRow{t: t, ctx: ctx, sql: sql, args: args}
	}
	return c.Tx.QueryRow(ctx, sql, args...)
}

// finalRow is the row of Call.Final; Scan runs the pipeline.
type finalRow struct {
	t    *requestTx
	ctx  context.Context
	sql  string
	args []any
}

func (r finalRow) Scan(dest ...any) error {
	t := r.t
	if t.tx != nil || t.namedFirst() || !batchable(r.args) {
		return t.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	}
	done, err := t.finalPipeline(r.ctx, r.sql, r.args, dest)
	if done {
		return err
	}
	// Nothing ran (a statement not yet prepared on this connection; see
	// errNotBegun): the ordinary path prepares it as the business role.
	return t.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
}

// errEnded refuses a statement after the transaction ended with Final.
var errEnded = errors.New("the transaction ended with its final statement")

// finalPipeline sends BEGIN, the setup, sql, COMMIT and the WAL position
// query in one pipeline and scans sql's row into dest. done is false only
// when nothing ran. After a failed statement the transaction is rolled
// back here, so the connection goes back to the pool idle.
func (t *requestTx) finalPipeline(ctx context.Context, sql string, args []any, dest []any) (done bool, err error) {
	b := &pgx.Batch{}
	b.BeginTx(t.opts)
	b.Queue(setupSQL, t.setupArgs...)
	b.Queue(sql, args...)
	b.Queue("COMMIT")
	b.Queue("SELECT pg_current_wal_insert_lsn()::text")
	br := t.conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil { // BEGIN
		_ = br.Close()
		if !t.conn.IsClosed() && t.conn.PgConn().TxStatus() == 'I' {
			return false, nil
		}
		return true, errors.Join(fmt.Errorf("begin: %w", err), t.abort(ctx))
	}
	_, err = br.Exec() // set_config
	if err == nil {
		err = br.QueryRow().Scan(dest...)
	}
	tag, cerr := br.Exec() // COMMIT: skipped by the server after a failure
	committed := cerr == nil && tag.String() == "COMMIT"
	var lsn string
	lerr := br.QueryRow().Scan(&lsn)
	closeErr := br.Close()
	if !committed {
		if err == nil {
			err = errors.Join(errRolledBack, cerr, closeErr)
		}
		return true, errors.Join(err, t.abort(ctx))
	}
	t.ended = true
	if lerr = errors.Join(lerr, closeErr); lerr != nil {
		t.endLSNErr = errors.Join(errCommittedNoLSN, lerr)
	}
	t.endLSN = lsn
	return true, err
}

// abort rolls back a transaction the pipeline left open.
func (t *requestTx) abort(ctx context.Context) error {
	if t.conn.IsClosed() || t.conn.PgConn().TxStatus() == 'I' {
		return nil
	}
	_, err := t.conn.PgConn().Exec(context.WithoutCancel(ctx), "ROLLBACK").ReadAll()
	return err
}
