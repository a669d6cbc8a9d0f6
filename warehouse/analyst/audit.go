package analyst

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AuditAction is the audit.staff_audit_log action of an analyst query.
const AuditAction = "analyst_query"

// AuditEntry is one analyst query as the audit log records it: who (staff,
// business role, organisation, request id), what (a SHA-256 of the query
// text, never the text) and how it ended (rows returned, outcome).
type AuditEntry struct {
	Caller
	QuerySHA256 [32]byte
	Rows        int64
	Outcome     string // "ok" or a problem kind
	At          time.Time
	Duration    time.Duration
}

// AuditLog batches analyst-query audit entries into PostgreSQL's
// hash-chained audit log (audit.staff_audit_log, through audit.log_action,
// so audit.verify_chain keeps passing). Record never touches the network:
// Run writes what has gathered at most once per Interval, in one
// transaction on one connection. Each entry is written as its caller: the
// API login switches to the caller's business role and request context
// (as the API does for its own transactions), so the entry's actor, role,
// organisation and request id are the caller's. A nil *AuditLog records
// nothing. Safe for concurrent use.
type AuditLog struct {
	pool     *pgxpool.Pool
	log      *slog.Logger
	interval time.Duration
	max      int

	mu      sync.Mutex
	pending []AuditEntry
}

// AuditOptions tune an AuditLog; the zero value is usable.
type AuditOptions struct {
	// Interval between two writes. Default 1s.
	Interval time.Duration
	// MaxPending entries waiting to be written; past it Full reports true
	// and analyst queries are refused until the log catches up. Default
	// 100,000.
	MaxPending int
	// Logger; default discards.
	Logger *slog.Logger
}

// OpenAuditLog connects one connection of cfg, the API login (cch_app:
// it may switch to the business roles, which may call audit.log_action).
func OpenAuditLog(ctx context.Context, cfg *pgxpool.Config, opts AuditOptions) (*AuditLog, error) {
	cfg = cfg.Copy()
	cfg.MaxConns = 1
	// Unprepared statements: the role switch of each entry must take
	// effect before the next statement is parsed (the login itself may not
	// see the audit schema), and a pipeline parses each statement in turn.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	cfg.ConnConfig.RuntimeParams["application_name"] = "cch-warehouse-audit"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 100_000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &AuditLog{pool: pool, log: opts.Logger, interval: opts.Interval, max: opts.MaxPending}, nil
}

// Record queues e for the next write.
func (l *AuditLog) Record(e AuditEntry) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.pending = append(l.pending, e)
	l.mu.Unlock()
}

// Full reports whether the queue is at MaxPending (PostgreSQL unreachable
// for a while): analyst access stops rather than go unrecorded.
func (l *AuditLog) Full() bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending) >= l.max
}

// Run writes the queue every Interval until ctx ends, then once more with
// a fresh context bounded to 5 seconds, and closes the connection.
func (l *AuditLog) Run(ctx context.Context) error {
	defer l.pool.Close()
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := l.Flush(ctx); err != nil && ctx.Err() == nil {
				l.log.Error("analyst audit log write failed; will retry", "err", err)
			}
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := l.Flush(fctx); err != nil {
				l.log.Error("analyst audit log: final write failed", "err", err, "entries", l.Pending())
				return err
			}
			return nil
		}
	}
}

// Pending is the number of entries not yet written.
func (l *AuditLog) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending)
}

// Flush writes every queued entry in one transaction; on failure they stay
// queued (ahead of newer ones) for the next attempt.
func (l *AuditLog) Flush(ctx context.Context) error {
	l.mu.Lock()
	batch := l.pending
	l.pending = nil
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := l.write(ctx, batch)
	if err != nil {
		l.mu.Lock()
		l.pending = append(batch, l.pending...)
		l.mu.Unlock()
	}
	return err
}

// The request context of one entry, as the API sets it per transaction.
const (
	auditSetupSQL = `SELECT set_config('role', $1, true), set_config('app.staff_id', $2, true),
	set_config('app.organisation_id', $3, true), set_config('app.branch_ids', $4, true),
	set_config('app.request_id', $5, true), set_config('app.role', $6, true)`
	auditEntrySQL = `SELECT audit.log_action($1, NULL, NULL, $2::text::jsonb)`
)

func (l *AuditLog) write(ctx context.Context, entries []AuditEntry) error {
	b := &pgx.Batch{}
	for _, e := range entries {
		role := e.Principal.DBRole()
		details, err := json.Marshal(e.details())
		if role == "" || err != nil { // cannot happen for an authenticated caller; never block the rest
			l.log.Error("analyst audit entry dropped", "role", e.Principal.Role, "staff_id", e.Principal.StaffID, "err", err)
			continue
		}
		b.Queue(auditSetupSQL, role, strconv.FormatInt(e.Principal.StaffID, 10),
			strconv.FormatInt(e.Principal.OrganisationID, 10), joinIDs(e.Principal.BranchIDs), e.RequestID, e.Principal.Role)
		b.Queue(auditEntrySQL, AuditAction, string(details))
	}
	if b.Len() == 0 {
		return nil
	}
	return pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("append analyst audit entries: %w", err)
		}
		return nil
	})
}

// details is the entry's new_values in the audit log.
func (e AuditEntry) details() map[string]any {
	return map[string]any{
		"channel":      e.Channel,
		"query_sha256": hex.EncodeToString(e.QuerySHA256[:]),
		"rows":         e.Rows,
		"outcome":      e.Outcome,
		"started_at":   e.At.UTC().Format(time.RFC3339Nano),
		"duration_ms":  e.Duration.Milliseconds(),
	}
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}
