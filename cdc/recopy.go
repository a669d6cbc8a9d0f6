package cdc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
)

// recopy replaces the mirror of schema.name with a copy exactly
// consistent with a WAL position U: a temporary logical slot, created on
// a connection of its own, exports a snapshot holding exactly the
// transactions that committed before its consistent point U. The copy is
// applied in TableCopy batches (Exact) that keep the applied position;
// from then on the table's changes committed before U are dropped (they
// are in the copy) and later ones apply on top of it — the same argument
// that makes the initial snapshot exact. Every transaction received so far
// committed before U, so none of them reaches the table any more.
//
// Creating the slot waits for the transactions running on the primary to
// end, as any logical slot's creation does.
func (l *loop) recopy(ctx context.Context, schema, name string) error {
	key := schema + "." + name
	repl, err := l.s.replicationConn(ctx)
	if err != nil {
		return fmt.Errorf("copy of %s: %w", key, err)
	}
	defer repl.Close(context.WithoutCancel(ctx)) // drops the temporary slot
	slot := fmt.Sprintf("cch_copy_%d", time.Now().UnixNano())
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, slot, "pgoutput", pglogrepl.CreateReplicationSlotOptions{
		Temporary: true, Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
	if err != nil {
		return fmt.Errorf("copy of %s: temporary slot: %w", key, err)
	}
	until, err := ParseLSN(res.ConsistentPoint)
	if err != nil {
		return err
	}
	tx, err := l.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("copy of %s: %w", key, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(res.SnapshotName)); err != nil {
		return fmt.Errorf("copy of %s: set transaction snapshot: %w", key, err)
	}
	rels, err := publishedRelations(ctx, tx, l.s.cfg.Publication, key)
	if err != nil {
		return fmt.Errorf("copy of %s: %w", key, err)
	}
	l.s.log.Info("copying a table exactly", "table", key, "at", until.String())
	pos := Position{LSN: l.applied, SnapshotDone: true}
	if len(rels) == 0 {
		gone := &Relation{Schema: schema, Name: name}
		err = l.s.sink.Apply(ctx, &Batch{Position: pos,
			Copy: &TableCopy{Rel: gone, Until: until, Exact: true, Gone: true, First: true, Last: true}})
	} else {
		base := Batch{Relations: rels, Position: pos, Copy: &TableCopy{Rel: rels[0], Until: until, Exact: true, First: true}}
		err = l.s.copyTable(ctx, tx, rels[0], base, func() error { return l.sendStatus(ctx) })
	}
	if err != nil {
		return fmt.Errorf("copy of %s: %w", key, err)
	}
	l.skip[key] = until
	if len(rels) > 0 {
		l.supersede(rels[0])
	}
	return nil
}

// supersede maps the relations of rel's table announced so far to rel
// when they have its columns: such a relation was announced with no DDL
// on the table since, so its later changes have the copy's shape, whose
// attnums the copy's snapshot knows.
func (l *loop) supersede(rel *Relation) {
	same := func(r *Relation) bool {
		return slices.EqualFunc(r.Columns, rel.Columns, func(a, b Column) bool {
			return a.Name == b.Name && a.TypeOID == b.TypeOID && a.TypeMod == b.TypeMod
		})
	}
	if r := l.dec.Relation(rel.ID); r != nil && r.Schema == rel.Schema && r.Name == rel.Name && same(r) {
		l.superseded[r] = rel
	}
}

// copied returns tx's changes without those of tables copied exactly at a
// position after tx's commit, with superseded relations replaced.
func (l *loop) copied(tx *Tx) []Change {
	if len(l.skip) == 0 && len(l.superseded) == 0 {
		return tx.Changes
	}
	out := tx.Changes[:0]
	for _, c := range tx.Changes {
		if u, ok := l.skip[c.Rel.Schema+"."+c.Rel.Name]; ok && tx.CommitLSN < u {
			continue
		}
		if r := l.superseded[c.Rel]; r != nil {
			c.Rel = r
		}
		out = append(out, c)
	}
	return out
}

// applyBatch applies the open batch; when the Sink needs a table copied
// first (CopyNeededError), it copies the table exactly, drops the table's
// changes from the batch (all committed before the copy) and applies the
// batch again.
func (l *loop) applyBatch(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		err := l.s.sink.Apply(ctx, &l.batch)
		var cn *CopyNeededError
		if err == nil || !errors.As(err, &cn) || attempt >= 20 {
			return err
		}
		l.s.log.Warn("copying a table its mirror cannot follow", "table", cn.Schema+"."+cn.Name, "reason", cn.Reason)
		if err := l.recopy(ctx, cn.Schema, cn.Name); err != nil {
			return err
		}
		l.batch.Changes = slices.DeleteFunc(l.batch.Changes, func(c Change) bool {
			return c.Rel.Schema == cn.Schema && c.Rel.Name == cn.Name
		})
	}
}
