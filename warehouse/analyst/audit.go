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
	// ID identifies the entry (random; set by Start or Record): the log
	// writes it as entry_id, and a replay after a crash skips the ids
	// PostgreSQL already holds.
	ID string
	Caller
	QuerySHA256 [32]byte
	Rows        int64
	Outcome     string // "ok" or a problem kind
	At          time.Time
	Duration    time.Duration
}

// AuditLog batches analyst-query audit entries into PostgreSQL's
// hash-chained audit log (audit.staff_audit_log, through audit.log_action,
// so audit.verify_chain keeps passing). Start and Record never touch the
// network: Run writes what has gathered at most once per Interval, in one
// transaction on one connection. With a spool (AuditOptions.Spool) they
// append the entry to a local file and fsync it before returning (Start
// before the query runs, Record with its outcome before the answer
// leaves), so a crash
// loses nothing: the next OpenAuditLog reads the spool back, a query that
// never ended is recorded with outcome "interrupted", and the first
// write skips the entries PostgreSQL already holds (by entry id), so none
// is written twice. Each entry is written as its caller: the
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
	spool   *spool                // nil: entries are kept in memory only
	open    map[string]AuditEntry // started, not ended, by ID
	// replayed are the ids read back from the spool: PostgreSQL may hold
	// them already (the process died between its write and the spool's).
	replayed map[string]bool
}

// AuditOptions tune an AuditLog; the zero value is usable.
type AuditOptions struct {
	// Interval between two writes. Default 1s.
	Interval time.Duration
	// MaxPending entries waiting to be written; past it Full reports true
	// and analyst queries are refused until the log catches up. Default
	// 100,000.
	MaxPending int
	// Spool is the local file entries are made durable in before they
	// reach PostgreSQL (created owner-only if missing; one per process).
	// Empty: entries wait in memory and a crash loses up to Interval of
	// them.
	Spool string
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
	l := &AuditLog{pool: pool, log: opts.Logger, interval: opts.Interval, max: opts.MaxPending,
		open: map[string]AuditEntry{}, replayed: map[string]bool{}}
	if opts.Spool != "" {
		if err := l.openSpool(opts.Spool); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return l, nil
}

// Start makes e's start durable (with a spool) before the query runs,
// giving it its ID. An error means the start could not be recorded: the
// query must not run.
func (l *AuditLog) Start(e *AuditEntry) error {
	if l == nil {
		return nil
	}
	if e.ID == "" {
		e.ID = newEntryID()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.spool != nil {
		if err := l.spool.append(spoolRecord{Kind: spoolStart, Entry: *e}); err != nil {
			return err
		}
	}
	l.open[e.ID] = *e
	return nil
}

// Record queues e, a query that ended (or was refused), for the next
// write; with a spool it is durable when Record returns.
func (l *AuditLog) Record(e AuditEntry) {
	if l == nil {
		return
	}
	if e.ID == "" {
		e.ID = newEntryID()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.open, e.ID)
	if l.spool != nil {
		if err := l.spool.append(spoolRecord{Kind: spoolEnd, Entry: e}); err != nil {
			// Its start is in the spool: a crash now records it as interrupted.
			l.log.Error("analyst audit spool append failed", "err", err, "entry", e.ID)
		}
	}
	l.pending = append(l.pending, e)
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

// Run writes the queue (first what the spool held) every Interval until
// ctx ends, then once more with a fresh context bounded to 5 seconds, and
// closes the connection and the spool; what that last write could not
// send stays in the spool for the next start.
func (l *AuditLog) Run(ctx context.Context) error {
	defer l.pool.Close()
	defer l.closeSpool()
	if l.Pending() > 0 { // entries read back from the spool
		if err := l.Flush(ctx); err != nil && ctx.Err() == nil {
			l.log.Error("analyst audit log write failed; will retry", "err", err)
		}
	}
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
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.pending = append(batch, l.pending...)
		return err
	}
	for _, e := range batch {
		delete(l.replayed, e.ID)
	}
	l.compact()
	return nil
}

// The request context of one entry, as the API sets it per transaction.
const (
	auditSetupSQL = `SELECT set_config('role', $1, true), set_config('app.staff_id', $2, true),
	set_config('app.organisation_id', $3, true), set_config('app.branch_ids', $4, true),
	set_config('app.request_id', $5, true), set_config('app.role', $6, true)`
	auditEntrySQL = `SELECT audit.log_action($1, NULL, NULL, $2::text::jsonb)`
)

func (l *AuditLog) write(ctx context.Context, entries []AuditEntry) error {
	return pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		entries, err := l.unwritten(ctx, tx, entries)
		if err != nil {
			return err
		}
		b := l.batch(entries)
		if b.Len() == 0 {
			return nil
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("append analyst audit entries: %w", err)
		}
		return nil
	})
}

// batch queues each entry's request context and audit.log_action call.
func (l *AuditLog) batch(entries []AuditEntry) *pgx.Batch {
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
	return b
}

// details is the entry's new_values in the audit log.
func (e AuditEntry) details() map[string]any {
	return map[string]any{
		"entry_id":     e.ID,
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
