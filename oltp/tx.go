package oltp

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// InTx runs fn in one transaction as the principal: the transaction does
// SET LOCAL ROLE to the caller's business role and sets the
// transaction-local app.* settings that row-level security, masking and the
// audit log read. Nothing outlives the transaction, so the pool is
// PgBouncer transaction-mode safe. For a write (readOnly false) it returns
// the WAL position after commit, which the warehouse can be asked to reach
// (X-CCH-LSN).
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
	// BEGIN and the request context travel in one round trip (a simple-
	// protocol query of two statements). Every value is generated here or
	// validated: the role comes from Roles, ids are integers, the request id
	// is restricted to [A-Za-z0-9._-] by the middleware and quoted anyway.
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{BeginQuery: beginSQL(readOnly, role, p, requestID)})
	if err != nil {
		return "", fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return "", err
	}
	if err := tx.Commit(ctx); err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	if readOnly {
		return "", nil
	}
	// The commit record is before the current insert position, so a reader
	// that waits for this LSN sees the write.
	if err := conn.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&lsn); err != nil {
		return "", errors.Join(errCommittedNoLSN, err)
	}
	return lsn, nil
}

var errCommittedNoLSN = errors.New("committed, but the WAL position could not be read")

// beginSQL starts the transaction and switches role and request context,
// all transaction-local (is_local = true): set_config('role', …) is SET
// LOCAL ROLE.
func beginSQL(readOnly bool, role string, p Principal, requestID string) string {
	begin := "BEGIN"
	if readOnly {
		begin = "BEGIN READ ONLY"
	}
	return begin + "; SELECT set_config('role', " + literal(role) + ", true)" +
		", set_config('app.staff_id', '" + strconv.FormatInt(p.StaffID, 10) + "', true)" +
		", set_config('app.organisation_id', '" + strconv.FormatInt(p.OrganisationID, 10) + "', true)" +
		", set_config('app.branch_ids', '" + joinIDs(p.BranchIDs) + "', true)" +
		", set_config('app.request_id', " + literal(requestID) + ", true)" +
		", set_config('app.role', " + literal(p.Role) + ", true)"
}

// literal quotes s as a SQL string literal (standard_conforming_strings is
// on in every supported Postgres).
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}
