package oltp

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// InTx runs fn in one transaction as the principal: the transaction does
// SET LOCAL ROLE to the caller's business role and sets the
// transaction-local app.* settings that row-level security, masking and the
// audit log read. Nothing outlives the transaction, so the pool is
// PgBouncer transaction-mode safe. For a write (readOnly false) it returns
// the WAL position after commit, which the warehouse can be asked to reach
// (X-CCH-LSN).
//
// Round trips: BEGIN and the request context are not sent on their own but
// pipelined with fn's first statement, and COMMIT carries the query for the
// WAL position, so a one-statement write costs two round trips, not four.
// Behind a transaction pooler the first statement is a named statement
// prepared once per server connection (txpooled.go).
func InTx(ctx context.Context, pool *pgxpool.Pool, p Principal, requestID string, readOnly bool, fn func(pgx.Tx) error) (lsn string, err error) {
	role := p.DBRole()
	if role == "" {
		return "", Forbidden("unknown role " + strconv.Quote(p.Role))
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return "", fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	tx := &requestTx{conn: conn.Conn(), setupArgs: []any{role, strconv.FormatInt(p.StaffID, 10),
		strconv.FormatInt(p.OrganisationID, 10), joinIDs(p.BranchIDs), requestID, p.Role}}
	if readOnly {
		tx.opts.AccessMode = pgx.ReadOnly
	}
	// Any way out that leaves the transaction open rolls it back (a no-op
	// after a commit or when nothing was sent). A connection left in a bad
	// state is not reused: pgxpool destroys a released connection that is
	// busy or not idle.
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return "", err
	}
	return tx.commit(ctx, readOnly)
}

// setupSQL switches role and request context, all transaction-local
// (is_local = true): set_config('role', …) is SET LOCAL ROLE. The values
// are bind parameters.
const setupSQL = `SELECT set_config('role', $1, true), set_config('app.staff_id', $2, true),
	set_config('app.organisation_id', $3, true), set_config('app.branch_ids', $4, true),
	set_config('app.request_id', $5, true), set_config('app.role', $6, true)`

// commitLSN commits and reads the WAL insert position in the same round
// trip. COMMIT is a transaction-control statement, so the server finishes
// it (commit record flushed, under synchronous_commit) before it runs the
// SELECT; the position it returns is past the commit record, so a reader
// that waits for it sees the write.
const commitLSN = "COMMIT; SELECT pg_current_wal_insert_lsn()::text"

var (
	errCommittedNoLSN = errors.New("committed, but the WAL position could not be read")
	errRolledBack     = errors.New("commit: the transaction had failed and was rolled back")
)

// requestTx is the request's transaction as a pgx.Tx. It begins lazily: the
// first Exec, Query or QueryRow is sent in one pipeline with BEGIN and the
// role and request context (pgx.Batch.BeginTx), after which every call goes
// to the transaction that pipeline began. Begin (a savepoint), CopyFrom,
// SendBatch, Prepare, LargeObjects and Conn begin it first on its own.
type requestTx struct {
	conn      *pgx.Conn
	opts      pgx.TxOptions
	setupArgs []any
	tx        pgx.Tx // nil until begun
	// ended: committed by Call.Final, with the WAL position read then.
	ended     bool
	endLSN    string
	endLSNErr error
}

var _ pgx.Tx = (*requestTx)(nil)

// pipelined sends BEGIN, the setup and, when sql is not empty, sql in one
// round trip, and returns the batch positioned at sql's result. On error
// the batch is closed; errNotBegun means nothing ran (see below), any other
// error leaves t.tx set to the transaction to roll back.
func (t *requestTx) pipelined(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.BeginTx(t.opts)
	b.Queue(setupSQL, t.setupArgs...)
	if sql != "" {
		b.Queue(sql, args...)
	}
	br := t.conn.SendBatch(ctx, b)
	tx := br.Tx()
	_, err := br.Exec() // BEGIN
	if err == nil {
		_, err = br.Exec() // set_config
	}
	if err != nil {
		_ = br.Close()
		if sql != "" && !t.conn.IsClosed() && t.conn.PgConn().TxStatus() == 'I' {
			return nil, errNotBegun
		}
		t.tx = tx
		return nil, fmt.Errorf("begin: %w", err)
	}
	t.tx = tx
	return br, nil
}

// errNotBegun: the pipeline failed before BEGIN ran. pgx prepares a
// statement it has not cached on the connection before sending the
// pipeline, that is before SET ROLE, as the login role, which may not see
// the statement's schemas. The caller then begins on its own and sends the
// statement inside the transaction, where it is prepared as the business
// role and cached, so the connection's next request pipelines it. (A
// statement that cannot be prepared at all fails there with its own error.)
var errNotBegun = errors.New("the pipeline did not begin a transaction")

// begun returns the transaction, beginning it on its own if no statement
// has been sent yet.
func (t *requestTx) begun(ctx context.Context) (pgx.Tx, error) {
	if t.tx != nil {
		return t.tx, nil
	}
	if t.ended {
		return nil, errEnded
	}
	br, err := t.pipelined(ctx, "", nil)
	if err != nil {
		return nil, err
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return t.tx, nil
}

// batchable reports whether args can travel in a pgx.Batch, which takes
// no per-query options other than a QueryRewriter.
func batchable(args []any) bool {
	if len(args) == 0 {
		return true
	}
	switch args[0].(type) {
	case pgx.QueryExecMode, pgx.QueryResultFormats, pgx.QueryResultFormatsByOID:
		return false
	}
	return true
}

// start sends sql pipelined with BEGIN when nothing has been sent yet and
// returns the batch positioned at its result; otherwise, or when the
// statement must go on its own (errNotBegun), it returns the begun
// transaction to send it on. stmt is what was or is to be sent: sql, or
// behind a transaction pooler the first statement's name (txpooled.go).
func (t *requestTx) start(ctx context.Context, sql string, args []any) (br pgx.BatchResults, tx pgx.Tx, stmt string, err error) {
	stmt = sql
	if t.ended {
		return nil, nil, stmt, errEnded
	}
	if t.tx == nil && batchable(args) {
		if t.namedFirst() {
			stmt = pooledName(sql)
			if !prepared(t.conn)[stmt] {
				tx, err = t.reprepare(ctx, sql, stmt)
				return nil, tx, stmt, err
			}
		}
		br, err := t.pipelined(ctx, stmt, args)
		if err == nil || !errors.Is(err, errNotBegun) {
			return br, nil, stmt, err
		}
	}
	tx, err = t.begun(ctx)
	return nil, tx, stmt, err
}

func (t *requestTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, tx, stmt, err := t.start(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	if tx == nil {
		tag, err := br.Exec()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if stmt == sql || !missedStatement(err) {
			return tag, err
		}
		if tx, err = t.reprepare(ctx, sql, stmt); err != nil {
			return pgconn.CommandTag{}, err
		}
	}
	return tx.Exec(ctx, stmt, args...)
}

func (t *requestTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, tx, stmt, err := t.start(ctx, sql, args)
	if err != nil {
		return errRows{err}, err
	}
	if tx == nil {
		rows, err := br.Query()
		if err != nil && (stmt == sql || !missedStatement(err)) {
			_ = br.Close()
			return errRows{err}, err
		}
		if err == nil && stmt == sql {
			return &batchRows{Rows: rows, br: br}, nil
		}
		// A named statement: its first row (or error) tells whether the
		// server connection had it, before the caller sees anything.
		if err == nil {
			if rows.Next() {
				return &batchRows{Rows: &peekedRows{Rows: rows, peeked: true}, br: br}, nil
			}
			if err = rows.Err(); !missedStatement(err) {
				return &batchRows{Rows: rows, br: br}, nil
			}
		}
		if rows != nil {
			rows.Close()
		}
		_ = br.Close()
		if tx, err = t.reprepare(ctx, sql, stmt); err != nil {
			return errRows{err}, err
		}
	}
	return tx.Query(ctx, stmt, args...)
}

func (t *requestTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.tx != nil {
		return t.tx.QueryRow(ctx, sql, args...)
	}
	rows, err := t.Query(ctx, sql, args...)
	if err != nil {
		return errRow{err}
	}
	return firstRow{rows}
}

func (t *requestTx) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := t.begun(ctx)
	if err != nil {
		return nil, err
	}
	return tx.Begin(ctx)
}

func (t *requestTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	tx, err := t.begun(ctx)
	if err != nil {
		return 0, err
	}
	return tx.CopyFrom(ctx, table, columns, src)
}

func (t *requestTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	tx, err := t.begun(ctx)
	if err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return tx.SendBatch(ctx, b)
}

func (t *requestTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	tx, err := t.begun(ctx)
	if err != nil {
		return nil, err
	}
	return tx.Prepare(ctx, name, sql)
}

// LargeObjects needs a begun transaction; call any statement first.
func (t *requestTx) LargeObjects() pgx.LargeObjects {
	if t.tx == nil {
		return pgx.LargeObjects{}
	}
	return t.tx.LargeObjects()
}

func (t *requestTx) Conn() *pgx.Conn { return t.conn }

// Commit commits without reading the WAL position (InTx uses commit).
func (t *requestTx) Commit(ctx context.Context) error {
	_, err := t.commit(ctx, true)
	return err
}

// Rollback rolls back; a no-op when nothing was sent or the transaction
// has ended.
func (t *requestTx) Rollback(ctx context.Context) error {
	if t.tx == nil || t.conn.PgConn().TxStatus() == 'I' {
		return nil
	}
	return t.tx.Rollback(ctx)
}

// commit ends the transaction; unless readOnly it returns the WAL position
// after the commit, read in the same round trip.
func (t *requestTx) commit(ctx context.Context, readOnly bool) (string, error) {
	if t.ended {
		return t.endLSN, t.endLSNErr
	}
	if t.tx == nil {
		// Nothing was sent, so nothing was written; a write still answers
		// with a position the warehouse can be asked to reach.
		if readOnly {
			return "", nil
		}
		var lsn string
		err := t.conn.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&lsn)
		return lsn, err
	}
	if readOnly {
		if err := t.tx.Commit(ctx); err != nil {
			return "", fmt.Errorf("commit: %w", err)
		}
		return "", nil
	}
	switch t.conn.PgConn().TxStatus() {
	case 'E': // a statement failed and its error was not returned
		return "", errRolledBack
	case 'I': // BEGIN failed and its error was not returned
		return "", errors.New("commit: the transaction did not begin")
	}
	// The pgx transaction is bypassed here: it would spend a round trip on
	// COMMIT and another on the position. After this the connection is idle
	// (or broken, and then pgxpool drops it on release).
	results, err := t.conn.PgConn().Exec(ctx, commitLSN).ReadAll()
	if len(results) == 0 || results[0].Err != nil {
		if len(results) > 0 {
			err = results[0].Err
		}
		return "", fmt.Errorf("commit: %w", err)
	}
	if results[0].CommandTag.String() != "COMMIT" {
		return "", errRolledBack
	}
	if err == nil && (len(results) < 2 || len(results[1].Rows) != 1 || len(results[1].Rows[0]) != 1) {
		err = errors.New("no row")
	}
	if err != nil {
		return "", errors.Join(errCommittedNoLSN, err)
	}
	return string(results[1].Rows[0][0]), nil
}

// batchRows closes the pipeline after its rows: the connection is free
// again once the rows are closed, as with pgx's own rows.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error // from closing the pipeline
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err = r.br.Close()
		r.br = nil
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// firstRow is QueryRow's result over a pipeline (pgx.Conn.QueryRow's
// semantics: pgx.ErrNoRows when there is no row; the rows are closed).
type firstRow struct{ rows pgx.Rows }

func (r firstRow) Scan(dest ...any) error {
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// errRows are the rows of a query that could not be sent.
type errRows struct{ err error }

func (errRows) Close()                                       {}
func (r errRows) Err() error                                 { return r.err }
func (errRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (errRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (errRows) Next() bool                                   { return false }
func (r errRows) Scan(...any) error                          { return r.err }
func (r errRows) Values() ([]any, error)                     { return nil, r.err }
func (errRows) RawValues() [][]byte                          { return nil }
func (errRows) Conn() *pgx.Conn                              { return nil }
func (errRows) TypeMap() *pgtype.Map                         { return nil }

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}
