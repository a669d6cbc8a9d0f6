package cdc

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// snapshot creates the slot with an exported snapshot and, while the
// replication connection holds it open (it must run no other command
// meanwhile), copies every published table inside that snapshot. Rows are
// applied in chunks with SnapshotDone=false; the last Apply marks the
// snapshot done at the slot's consistent point, which is where streaming
// starts: every transaction that committed before it is in the copy, every
// later one comes from the slot.
func (s *Stream) snapshot(ctx context.Context, repl *pgconn.PgConn, conn *pgx.Conn) (Position, error) {
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, s.cfg.Slot, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
	if err != nil {
		return Position{}, fmt.Errorf("create slot %s: %w", s.cfg.Slot, err)
	}
	cp, err := ParseLSN(res.ConsistentPoint)
	if err != nil {
		return Position{}, err
	}
	s.log.Info("snapshot started", "slot", s.cfg.Slot, "consistent_point", res.ConsistentPoint)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Position{}, fmt.Errorf("snapshot transaction: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(res.SnapshotName)); err != nil {
		return Position{}, fmt.Errorf("set transaction snapshot: %w", err)
	}
	rels, err := publishedRelations(ctx, tx, s.cfg.Publication, "")
	if err != nil {
		return Position{}, err
	}
	if err := lockRelations(ctx, tx, rels); err != nil {
		return Position{}, err
	}
	for _, rel := range rels {
		base := Batch{Relations: []*Relation{rel}, Position: Position{LSN: cp}}
		if err := s.copyTable(ctx, tx, rel, base, nil); err != nil {
			return Position{}, fmt.Errorf("copy %s.%s: %w", rel.Schema, rel.Name, err)
		}
	}
	pos := Position{LSN: cp, SnapshotDone: true}
	if err := s.sink.Apply(ctx, &Batch{Relations: rels, Position: pos}); err != nil {
		return Position{}, err
	}
	s.log.Info("snapshot done", "tables", len(rels), "consistent_point", res.ConsistentPoint)
	return pos, nil
}

// lockRelations takes every table's ACCESS SHARE lock up front, in oid
// order, before the first COPY. Copying table by table would take them one
// at a time in name order while holding the earlier ones, and DDL that
// locks several tables in another order (core.ensure_partitions creating
// partitions on a first start, in oid order) could then deadlock with the
// copy. Taken in oid order before any copy, the copy waits for such DDL or
// the DDL waits for the copy, never both. (A partitioned table's lock
// covers its partitions.) Each lock is taken by a zero-column SELECT that
// reads nothing: unlike LOCK TABLE it needs only the column privileges the
// copy itself needs.
func lockRelations(ctx context.Context, tx pgx.Tx, rels []*Relation) error {
	sorted := slices.Clone(rels)
	slices.SortFunc(sorted, func(a, b *Relation) int { return cmp.Compare(a.ID, b.ID) })
	for _, r := range sorted {
		if _, err := tx.Exec(ctx, "SELECT FROM "+pgx.Identifier{r.Schema, r.Name}.Sanitize()+" LIMIT 0"); err != nil {
			return fmt.Errorf("lock %s.%s: %w", r.Schema, r.Name, err)
		}
	}
	return nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

const relationsSQL = `
SELECT c.oid, n.nspname, c.relname, c.relreplident::text, pt.attnames::text[], c.relfilenode::bigint
FROM pg_publication_tables pt
JOIN pg_namespace n ON n.nspname = pt.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
WHERE pt.pubname = $1 AND ($2 = '' OR n.nspname || '.' || c.relname = $2)
ORDER BY 2, 3`

// columnsSQL lists the columns of a table that pgoutput can send (not
// dropped, not generated) and which of them form the replica identity, as
// pgoutput flags them; publishedRelations keeps those in the publication's
// column list.
const columnsSQL = `
SELECT a.attname, a.atttypid, a.atttypmod, a.attnum,
  CASE c.relreplident
    WHEN 'f' THEN true
    WHEN 'n' THEN false
    ELSE coalesce(a.attnum = ANY ((SELECT i.indkey FROM pg_index i
      WHERE i.indexrelid = pg_get_replica_identity_index(c.oid))::int2[]), false)
  END
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum`

// publishedRelations lists the tables pub publishes (only the one named
// "schema.name" by only, when set) with their published columns.
func publishedRelations(ctx context.Context, tx pgx.Tx, pub, only string) ([]*Relation, error) {
	rows, err := tx.Query(ctx, relationsSQL, pub, only)
	if err != nil {
		return nil, fmt.Errorf("list published tables: %w", err)
	}
	var rels []*Relation
	attnames := map[*Relation][]string{}
	for rows.Next() {
		r := &Relation{}
		var ident string
		var names []string
		var filenode int64
		if err := rows.Scan(&r.ID, &r.Schema, &r.Name, &ident, &names, &filenode); err != nil {
			return nil, fmt.Errorf("list published tables: %w", err)
		}
		r.ReplicaIdentity, r.Filenode = ident[0], uint32(filenode)
		rels = append(rels, r)
		attnames[r] = names
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list published tables: %w", err)
	}
	for _, r := range rels {
		cols, err := pgx.CollectRows(must(tx.Query(ctx, columnsSQL, r.ID)), func(row pgx.CollectableRow) (Column, error) {
			var c Column
			return c, row.Scan(&c.Name, &c.TypeOID, &c.TypeMod, &c.Attnum, &c.Key)
		})
		if err != nil {
			return nil, fmt.Errorf("columns of %s.%s: %w", r.Schema, r.Name, err)
		}
		r.Columns = slices.DeleteFunc(cols, func(c Column) bool { return !slices.Contains(attnames[r], c.Name) })
	}
	return rels, nil
}

// must lets a query error surface through CollectRows (pgx.Rows reports it).
func must(rows pgx.Rows, _ error) pgx.Rows { return rows }

// copyTable copies rel's rows in tx's snapshot into batches like base,
// applied every BatchRows rows; after is called after each Apply.
func (s *Stream) copyTable(ctx context.Context, tx pgx.Tx, rel *Relation, base Batch, after func() error) error {
	var cols []string
	for _, c := range rel.Columns {
		cols = append(cols, pgx.Identifier{c.Name}.Sanitize())
	}
	q := fmt.Sprintf("COPY (SELECT %s FROM %s) TO STDOUT", strings.Join(cols, ", "),
		pgx.Identifier{rel.Schema, rel.Name}.Sanitize())
	w := &copyWriter{ctx: ctx, s: s, rel: rel, batch: &base, after: after}
	if _, err := tx.Conn().PgConn().CopyTo(ctx, w, q); err != nil {
		return err
	}
	if w.err != nil {
		return w.err
	}
	if base.Copy != nil {
		base.Copy.Last = true
	}
	return w.flush()
}

// copyWriter receives COPY text output, decodes it into insert changes and
// applies them in chunks of BatchRows.
type copyWriter struct {
	ctx   context.Context
	s     *Stream
	rel   *Relation
	batch *Batch
	buf   []byte
	err   error
	after func() error
}

func (w *copyWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for w.err == nil {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.err = w.row(w.buf[:i])
		w.buf = w.buf[i+1:]
		if w.err == nil && len(w.batch.Changes) >= w.s.cfg.BatchRows {
			w.err = w.flush()
		}
	}
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

func (w *copyWriter) row(line []byte) error {
	fields, err := ParseCopyText(line)
	if err != nil {
		return err
	}
	if len(fields) != len(w.rel.Columns) {
		return fmt.Errorf("copy row has %d fields, want %d", len(fields), len(w.rel.Columns))
	}
	vals := make([]any, len(fields))
	for i, f := range fields {
		if f == nil {
			continue
		}
		if vals[i], err = DecodeText(w.rel.Columns[i].TypeOID, f); err != nil {
			return fmt.Errorf("column %s: %w", w.rel.Columns[i].Name, err)
		}
	}
	w.batch.Changes = append(w.batch.Changes, Change{Op: OpInsert, Rel: w.rel, New: vals})
	return nil
}

func (w *copyWriter) flush() error {
	if err := w.s.sink.Apply(w.ctx, w.batch); err != nil {
		return err
	}
	w.s.metrics.rows.WithLabelValues(w.rel.Schema+"."+w.rel.Name, "snapshot").Add(float64(len(w.batch.Changes)))
	w.batch.Changes = w.batch.Changes[:0]
	if w.batch.Copy != nil {
		w.batch.Copy.First = false
	}
	if w.after != nil {
		return w.after()
	}
	return nil
}
