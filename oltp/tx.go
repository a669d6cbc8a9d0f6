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
	opts := pgx.TxOptions{}
	if readOnly {
		opts.AccessMode = pgx.ReadOnly
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return "", fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, setSessionSQL, role, p.StaffID, p.OrganisationID, joinIDs(p.BranchIDs), requestID, p.Role); err != nil {
		return "", fmt.Errorf("set request context: %w", err)
	}
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

// setSessionSQL switches role and sets the request context, all
// transaction-local (is_local = true). set_config('role', …) is SET LOCAL
// ROLE with a bind parameter.
const setSessionSQL = `SELECT set_config('role', $1, true),
	set_config('app.staff_id', $2::bigint::text, true),
	set_config('app.organisation_id', $3::bigint::text, true),
	set_config('app.branch_ids', $4, true),
	set_config('app.request_id', $5, true),
	set_config('app.role', $6, true)`

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}
