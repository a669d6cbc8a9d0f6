package warehouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/carcarehub/cch/cdc"
)

var (
	_ cdc.Sink         = (*Applier)(nil)
	_ cdc.TableChecker = (*Applier)(nil)
	_ cdc.ExactCopies  = (*Applier)(nil)
)

// internalSchema holds the pipeline's own tables: the stored position and
// the shape of every mirror.
const internalSchema = "_cch"

const initSQL = `
CREATE SCHEMA IF NOT EXISTS _cch;
CREATE TABLE IF NOT EXISTS _cch.position (id INTEGER, lsn UBIGINT, snapshot_done BOOLEAN);
INSERT INTO _cch.position SELECT 1, 0, false WHERE NOT EXISTS (SELECT 1 FROM _cch.position);
CREATE TABLE IF NOT EXISTS _cch.mirrors (schema_name VARCHAR, table_name VARCHAR, columns JSON);
CREATE TABLE IF NOT EXISTS _cch.copies (schema_name VARCHAR, table_name VARCHAR, until UBIGINT, done BOOLEAN);
ALTER TABLE _cch.copies ADD COLUMN IF NOT EXISTS exact BOOLEAN DEFAULT false;
ALTER TABLE _cch.mirrors ADD COLUMN IF NOT EXISTS relid UBIGINT;
ALTER TABLE _cch.mirrors ADD COLUMN IF NOT EXISTS filenode UBIGINT;
`

// Applier is the cdc.Sink that mirrors source tables into DuckDB tables
// "<schema>"."<table>". Each Apply runs in one DuckDB transaction that also
// stores the batch's position. Apply, Reset and Position are serialised by
// the Applier; readers may query the mirrors concurrently through the DB.
type Applier struct {
	db  *DB
	log *slog.Logger
	mem memory.Allocator

	mu      sync.Mutex
	mirrors map[string]*mirror // by schema + "." + name; nil = reload
	// committed, when set, is called after each committed batch with the
	// tables it changed, while the next batch waits (see Hold).
	committed func(tables []string)
	// scrubPending: a scrub after an erasure failed and is retried.
	scrubPending bool
	scrubs       atomic.Int64
	// archiveDir, when set, holds archived months loaded when a snapshot
	// completes (see WithArchive).
	archiveDir string
}

// mirror is the shape of a mirror table as stored in _cch.mirrors.
type mirror struct {
	Schema  string      `json:"-"`
	Name    string      `json:"-"`
	Columns []mirrorCol `json:"columns"`
	// RelID is the source table's oid (0 when recorded by an older
	// release): a table dropped and created again under the same name is
	// another table.
	RelID uint32 `json:"-"`
	// Filenode is the source table's file the mirror's rows were read
	// from or follow (see cdc.Relation.Filenode; 0 when unknown).
	Filenode uint32 `json:"-"`
}

// mirrorCol is a mirror column: its DuckDB type and the source column's
// identity (attnum) and PostgreSQL type. Files written before the
// identity was recorded hold only name and type (Attnum and OID 0).
type mirrorCol struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Attnum int16  `json:"attnum,omitempty"`
	OID    uint32 `json:"oid,omitempty"`
	Mod    int32  `json:"mod,omitempty"`
}

// ApplierOption configures an Applier.
type ApplierOption func(*Applier)

// WithAllocator sets the allocator of the Arrow record batches (default
// memory.DefaultAllocator). Every buffer is released before Apply returns.
func WithAllocator(mem memory.Allocator) ApplierOption {
	return func(a *Applier) { a.mem = mem }
}

// WithCommitted sets a function called after each committed batch with
// the tables ("schema.table") the batch changed, before the next batch
// can start: the mart Refresher's Notify.
func WithCommitted(f func(tables []string)) ApplierOption {
	return func(a *Applier) { a.committed = f }
}

// Hold runs f while no batch is being applied: every batch committed
// before f runs has been reported to the committed function, and none
// commits until f returns.
func (a *Applier) Hold(f func() error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return f()
}

// NewApplier creates the internal tables when missing and returns an
// Applier writing to db.
func NewApplier(ctx context.Context, db *DB, log *slog.Logger, opts ...ApplierOption) (*Applier, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, err := db.ExecContext(ctx, initSQL); err != nil {
		return nil, fmt.Errorf("create warehouse internal tables: %w", err)
	}
	a := &Applier{db: db, log: log, mem: memory.DefaultAllocator}
	for _, o := range opts {
		o(a)
	}
	return a, nil
}

// Position returns the durably applied position.
func (a *Applier) Position(ctx context.Context) (cdc.Position, error) {
	var p cdc.Position
	var lsn uint64
	err := a.db.QueryRowContext(ctx, "SELECT lsn, snapshot_done FROM _cch.position WHERE id = 1").
		Scan(&lsn, &p.SnapshotDone)
	if err != nil {
		return p, fmt.Errorf("read warehouse position: %w", err)
	}
	p.LSN = cdc.LSN(lsn)
	return p, nil
}

// Reset drops every mirror table and zeroes the position, in one
// transaction.
func (a *Applier) Reset(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.mirrors = nil
	return a.inTx(ctx, func(conn *sql.Conn) error {
		ms, err := loadMirrors(ctx, conn)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if _, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+m.table()); err != nil {
				return fmt.Errorf("drop mirror %s: %w", m.table(), err)
			}
		}
		_, err = conn.ExecContext(ctx, "DELETE FROM _cch.mirrors; DELETE FROM _cch.copies; UPDATE _cch.position SET lsn = 0, snapshot_done = false")
		return err
	})
}

// Apply applies b and stores b.Position in one DuckDB transaction.
func (a *Applier) Apply(ctx context.Context, b *cdc.Batch) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	err := a.inTx(ctx, func(conn *sql.Conn) error {
		if a.mirrors == nil {
			ms, err := loadMirrors(ctx, conn)
			if err != nil {
				return err
			}
			a.mirrors = ms
		}
		t := &applyTx{ctx: ctx, conn: conn, a: a, pending: map[string]*pending{}}
		if err := t.loadCopies(b); err != nil {
			return err
		}
		if err := t.run(b); err != nil {
			return err
		}
		if err := a.loadArchived(ctx, conn, b.Position.SnapshotDone); err != nil {
			return err
		}
		_, err := conn.ExecContext(ctx, "UPDATE _cch.position SET lsn = ?, snapshot_done = ? WHERE id = 1",
			uint64(b.Position.LSN), b.Position.SnapshotDone)
		return err
	})
	if err != nil {
		a.mirrors = nil // the cache may describe rolled-back DDL
		return fmt.Errorf("apply batch up to %s: %w", b.Position.LSN, err)
	}
	a.scrubAfterErasure(ctx, b)
	if a.committed != nil {
		a.committed(batchTables(b))
	}
	return nil
}

// Scrubs counts the scrubs after erasures (see DB.Scrub) since the
// Applier was created.
func (a *Applier) Scrubs() int64 { return a.scrubs.Load() }

// batchTables lists the tables ("schema.table") a batch changes.
func batchTables(b *cdc.Batch) []string {
	seen := map[*cdc.Relation]bool{}
	var out []string
	add := func(r *cdc.Relation) {
		if r != nil && !seen[r] {
			seen[r] = true
			out = append(out, r.Schema+"."+r.Name)
		}
	}
	for i := range b.Changes {
		add(b.Changes[i].Rel)
	}
	for _, r := range b.Relations {
		add(r)
	}
	if b.Copy != nil {
		add(b.Copy.Rel)
	}
	return out
}

// inTx runs f inside BEGIN … COMMIT on one connection.
func (a *Applier) inTx(ctx context.Context, f func(*sql.Conn) error) (err error) {
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("warehouse connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := f(conn); err != nil {
		// A fresh context: the rollback must happen even when ctx is done.
		_, rbErr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return errors.Join(err, rbErr)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func loadMirrors(ctx context.Context, conn *sql.Conn) (map[string]*mirror, error) {
	rows, err := conn.QueryContext(ctx, "SELECT schema_name, table_name, CAST(columns AS VARCHAR), coalesce(relid, 0), coalesce(filenode, 0) FROM _cch.mirrors")
	if err != nil {
		return nil, fmt.Errorf("load mirrors: %w", err)
	}
	defer rows.Close()
	ms := map[string]*mirror{}
	for rows.Next() {
		m := &mirror{}
		var cols string
		if err := rows.Scan(&m.Schema, &m.Name, &cols, &m.RelID, &m.Filenode); err != nil {
			return nil, fmt.Errorf("load mirrors: %w", err)
		}
		if err := json.Unmarshal([]byte(cols), &m.Columns); err != nil {
			return nil, fmt.Errorf("load mirror %s: %w", m.table(), err)
		}
		ms[m.Schema+"."+m.Name] = m
	}
	return ms, rows.Err()
}

func (m *mirror) table() string { return ident(m.Schema) + "." + ident(m.Name) }
