package datagen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotEmpty is returned by Seed when the database already holds
// business data: generated primary keys start at 1.
var ErrNotEmpty = errors.New("datagen: database already has data (core.organisation is not empty)")

// Stats summarises a load.
type Stats struct {
	Rows    map[string]int64 // per table
	Total   int64
	Elapsed time.Duration
}

// Seed generates the dataset o describes and loads it into the migrated,
// empty database at databaseURL, with every trigger and constraint
// enabled (see the package documentation for transactions and audit
// modes). The URL must be a superuser's: FORCE ROW LEVEL SECURITY applies
// to cch_owner too, and AuditSummary alters triggers.
func Seed(ctx context.Context, databaseURL string, o Options, log *slog.Logger) (Stats, error) {
	log = nopLogger(log)
	g, err := NewGenerator(o)
	if err != nil {
		return Stats{}, err
	}
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return Stats{}, fmt.Errorf("datagen: parse database url: %w", err)
	}
	cfg.RuntimeParams["application_name"] = "cch-seed"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return Stats{}, fmt.Errorf("datagen: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	l := &loader{conn: conn, g: g, log: log, stats: Stats{Rows: map[string]int64{}}, progress: newProgress(g.opt.Progress)}
	start := time.Now()
	err = l.run(ctx)
	l.stats.Elapsed = time.Since(start)
	l.progress.done(l.stats)
	return l.stats, err
}

type loader struct {
	conn     *pgx.Conn
	g        *Generator
	log      *slog.Logger
	stats    Stats
	progress *progress
	issued   int64           // invoices up to this id have been issued
	audited  map[string]bool // tables with a per-row audit trigger
	chunks   int             // audited chunks loaded
}

func (l *loader) run(ctx context.Context) error {
	var exists bool
	if err := l.conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core.organisation)`).Scan(&exists); err != nil {
		return fmt.Errorf("datagen: check for existing data: %w", err)
	}
	if exists {
		return ErrNotEmpty
	}
	if err := l.findAudited(ctx); err != nil {
		return err
	}
	cal := l.g.cal
	if err := ensurePartitions(ctx, l.conn, cal.start.AddDate(0, -1, 0), cal.end.AddDate(0, 2, 0)); err != nil {
		return err
	}
	l.g.Reference()
	if err := l.flush(ctx, "reference"); err != nil {
		return err
	}
	for i := range l.g.Months() {
		l.g.Month(i)
		if err := l.flush(ctx, cal.month[i].Format("2006-01")); err != nil {
			return err
		}
	}
	l.g.Future()
	if err := l.flush(ctx, "future"); err != nil {
		return err
	}
	l.g.Final()
	if err := l.flush(ctx, "final"); err != nil {
		return err
	}
	return l.setSequences(ctx)
}

// flush writes every buffered table in foreign-key order, then issues the
// phase's invoices and brings the invoice counters up to date. Tables with
// a per-row audit trigger are written in transactions of auditChunk rows:
// audit.append_entry updates one audit.chain_head row per entry, and
// thousands of updates of one row inside a single transaction make each
// next one slower (measured: 0.2 ms per entry at 500 entries per
// transaction, 0.7 ms at 4,000, 1.3 ms at 16,000).
func (l *loader) flush(ctx context.Context, phase string) error {
	started := time.Now()
	var rows int
	for i := range l.g.t {
		t := &l.g.t[i]
		if t.rows > 0 {
			if err := l.copyTable(ctx, t); err != nil {
				return fmt.Errorf("datagen: load %s: %w", phase, err)
			}
			rows += t.rows
		}
		if i == tInvoiceLine {
			if err := l.issueInvoices(ctx); err != nil {
				return fmt.Errorf("datagen: load %s: %w", phase, err)
			}
			if err := l.voidInvoices(ctx); err != nil {
				return fmt.Errorf("datagen: load %s: %w", phase, err)
			}
		}
	}
	if err := pgx.BeginFunc(ctx, l.conn, func(tx pgx.Tx) error { return l.counters(ctx, tx) }); err != nil {
		return fmt.Errorf("datagen: load %s: %w", phase, err)
	}
	for i := range l.g.t {
		l.g.t[i].reset()
	}
	l.log.Info("seed phase loaded", "phase", phase, "rows", rows, "took", time.Since(started).Round(time.Millisecond))
	return nil
}

// auditChunk is the most rows of an audited table per transaction.
const auditChunk = 500

// copyTable streams one table's rows with COPY, in chunks for audited
// tables (see flush).
func (l *loader) copyTable(ctx context.Context, t *tableBuf) error {
	audited := l.audited[t.spec.name]
	chunk := t.rows
	if audited && l.g.opt.Audit == AuditRows {
		chunk = auditChunk
	}
	data := t.buf.Bytes()
	defer func(start time.Time) {
		l.log.Debug("seed table loaded", "table", t.spec.name, "rows", t.rows, "took", time.Since(start).Round(time.Millisecond))
	}(time.Now())
	for len(data) > 0 {
		part, n := cutRows(data, chunk)
		data = data[len(part):]
		err := l.inTx(ctx, t.spec.name, audited, n, func(tx pgx.Tx) error { return l.copy(ctx, tx, t, part, n) })
		if err != nil {
			return err
		}
		if audited {
			l.vacuumChainHead(ctx)
		}
	}
	return nil
}

// vacuumChainHead vacuums audit.chain_head every few audited chunks: each
// audit entry updates its one row per organisation, and without vacuum the
// dead versions pile up (12 MB after 140k entries) and slow every next
// entry. Failure (e.g. not the owner) is only logged.
func (l *loader) vacuumChainHead(ctx context.Context) {
	l.chunks++
	if l.chunks%16 != 0 {
		return
	}
	if _, err := l.conn.Exec(ctx, `VACUUM audit.chain_head`); err != nil {
		l.log.Warn("vacuum audit.chain_head failed; audited loads will slow down", "err", err)
	}
}

// inTx runs f in a transaction. In AuditSummary mode an audited table's
// row trigger is switched off inside that transaction only (ALTER TABLE is
// transactional: it cannot stay off) and one bulk entry per organisation
// goes through audit.append_entry instead, keeping the hash chain intact.
func (l *loader) inTx(ctx context.Context, table string, audited bool, rows int, f func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, l.conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		summary := audited && l.g.opt.Audit == AuditSummary
		if summary {
			if _, err := tx.Exec(ctx, `ALTER TABLE `+table+` DISABLE TRIGGER audit_capture`); err != nil {
				return fmt.Errorf("audit summary mode: %w", err)
			}
		}
		if err := f(tx); err != nil {
			return err
		}
		if !summary {
			return nil
		}
		if _, err := tx.Exec(ctx, `ALTER TABLE `+table+` ENABLE TRIGGER audit_capture`); err != nil {
			return fmt.Errorf("audit summary mode: %w", err)
		}
		for _, o := range l.g.orgs {
			if _, err := tx.Exec(ctx, `SELECT audit.append_entry($1, 'BULK_LOAD', $2, NULL, NULL, jsonb_build_object('rows', $3::int, 'source', 'cch seed'))`,
				o.id, table, rows); err != nil {
				return fmt.Errorf("audit summary entry: %w", err)
			}
		}
		return nil
	})
}

// cutRows returns the first n rows of COPY text data and how many it holds.
func cutRows(data []byte, n int) ([]byte, int) {
	end, rows := 0, 0
	for rows < n && end < len(data) {
		i := bytes.IndexByte(data[end:], '\n')
		if i < 0 {
			return data, rows + 1
		}
		end += i + 1
		rows++
	}
	return data[:end], rows
}

func (l *loader) copy(ctx context.Context, tx pgx.Tx, t *tableBuf, data []byte, rows int) error {
	sql := fmt.Sprintf("COPY %s (%s) FROM STDIN", t.spec.name, strings.Join(t.spec.cols, ", "))
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), sql)
	if err != nil {
		return fmt.Errorf("copy %s: %w", t.spec.name, err)
	}
	if tag.RowsAffected() != int64(rows) {
		return fmt.Errorf("copy %s: %d rows written, %d generated", t.spec.name, tag.RowsAffected(), rows)
	}
	l.stats.Rows[t.spec.name] += int64(rows)
	l.stats.Total += int64(rows)
	l.progress.update(t.spec.name, l.stats.Total)
	return nil
}

// voidInvoices voids the phase's invoices issued in error, as a finance
// user would (finance.guard_invoice lets an issued invoice become void).
func (l *loader) voidInvoices(ctx context.Context) error {
	if len(l.g.voids) == 0 {
		return nil
	}
	err := l.inTx(ctx, "finance.invoice", l.audited["finance.invoice"], len(l.g.voids), func(tx pgx.Tx) error {
		for _, v := range l.g.voids {
			if _, err := tx.Exec(ctx, `UPDATE finance.invoice SET status = 'void', voided_at = $2, void_reason = $3 WHERE id = $1 AND status = 'issued'`,
				v.id, v.at, v.reason); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("void invoices: %w", err)
	}
	l.g.voids = l.g.voids[:0]
	return nil
}

// issueInvoices turns the phase's numbered drafts into issued invoices
// once their lines are in (finance.guard_invoice_line freezes the lines of
// issued invoices), auditChunk at a time.
func (l *loader) issueInvoices(ctx context.Context) error {
	last := l.g.ids[tInvoice]
	for l.issued < last {
		hi := min(l.issued+auditChunk, last)
		err := l.inTx(ctx, "finance.invoice", l.audited["finance.invoice"], int(hi-l.issued), func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE finance.invoice SET status = 'issued' WHERE id > $1 AND id <= $2 AND status = 'draft'`, l.issued, hi)
			return err
		})
		if err != nil {
			return fmt.Errorf("issue invoices: %w", err)
		}
		l.issued = hi
	}
	return nil
}

// counters keeps finance.invoice_counter at the next free number of
// every branch.
func (l *loader) counters(ctx context.Context, tx pgx.Tx) error {
	for _, o := range l.g.orgs {
		for _, b := range o.branches {
			if _, err := tx.Exec(ctx, `UPDATE finance.invoice_counter SET next_number = $2 WHERE branch_id = $1 AND next_number <> $2`,
				b.id, b.invoiceNo+1); err != nil {
				return fmt.Errorf("invoice counter of branch %d: %w", b.id, err)
			}
		}
	}
	return nil
}

// setSequences moves every identity sequence past the generated ids so
// later inserts (the API) do not collide.
func (l *loader) setSequences(ctx context.Context) error {
	for i := range specs {
		if !specs[i].identity || l.g.ids[i] == 0 {
			continue
		}
		if _, err := l.conn.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), $2)`, specs[i].name, l.g.ids[i]); err != nil {
			return fmt.Errorf("datagen: set sequence of %s: %w", specs[i].name, err)
		}
	}
	return nil
}

// findAudited lists the tables carrying the audit_capture row trigger.
func (l *loader) findAudited(ctx context.Context) error {
	rows, err := l.conn.Query(ctx, `
		SELECT format('%s.%s', n.nspname, c.relname)
		FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE t.tgname = 'audit_capture' AND NOT t.tgisinternal`)
	if err != nil {
		return fmt.Errorf("datagen: find audited tables: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("datagen: find audited tables: %w", err)
	}
	l.audited = map[string]bool{}
	for _, n := range names {
		l.audited[n] = true
	}
	return nil
}
