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

// Seed generates the dataset o describes and loads it into the migrated
// database at databaseURL (a role that owns or may write every business
// table, e.g. the owner or a superuser), one transaction per month, with
// every trigger and constraint enabled.
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
}

func (l *loader) run(ctx context.Context) error {
	var exists bool
	if err := l.conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core.organisation)`).Scan(&exists); err != nil {
		return fmt.Errorf("datagen: check for existing data: %w", err)
	}
	if exists {
		return ErrNotEmpty
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
	l.g.Final()
	if err := l.flush(ctx, "final"); err != nil {
		return err
	}
	return l.setSequences(ctx)
}

// flush writes every buffered table in foreign-key order in one
// transaction, then brings the invoice counters up to date.
func (l *loader) flush(ctx context.Context, phase string) error {
	started := time.Now()
	var rows int
	err := pgx.BeginFunc(ctx, l.conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		for i := range l.g.t {
			t := &l.g.t[i]
			if t.rows == 0 {
				continue
			}
			if err := l.copy(ctx, tx, t); err != nil {
				return err
			}
			rows += t.rows
		}
		return l.counters(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("datagen: load %s: %w", phase, err)
	}
	for i := range l.g.t {
		l.g.t[i].reset()
	}
	l.log.Info("seed phase loaded", "phase", phase, "rows", rows, "took", time.Since(started).Round(time.Millisecond))
	return nil
}

func (l *loader) copy(ctx context.Context, tx pgx.Tx, t *tableBuf) error {
	sql := fmt.Sprintf("COPY %s (%s) FROM STDIN", t.spec.name, strings.Join(t.spec.cols, ", "))
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(t.buf.Bytes()), sql)
	if err != nil {
		return fmt.Errorf("copy %s: %w", t.spec.name, err)
	}
	if tag.RowsAffected() != int64(t.rows) {
		return fmt.Errorf("copy %s: %d rows written, %d generated", t.spec.name, tag.RowsAffected(), t.rows)
	}
	l.stats.Rows[t.spec.name] += int64(t.rows)
	l.stats.Total += int64(t.rows)
	l.progress.update(t.spec.name, l.stats.Total)
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
