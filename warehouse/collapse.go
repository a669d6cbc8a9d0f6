package warehouse

import (
	"fmt"
	"strings"

	"github.com/carcarehub/cch/cdc"
)

// Entry kinds of a collapsed change.
const (
	opDelete  = 0 // remove the key from the mirror
	opRow     = 1 // the key's final, complete row
	opPartial = 2 // final row with unchanged-TOAST columns to take from the mirror row at match
)

// entry is the net effect of a batch on one key of one table.
type entry struct {
	op  uint8
	key []any // the key's values (all columns for keyless tables)
	row []any
	// match is the key of the mirror row (as it was before this batch)
	// that supplies the unchanged-TOAST values of a partial row.
	match []any
	// fresh: the key's first change in the batch was an insert, so the
	// mirror has no row for it (the mirror equals the source as of the
	// stored position, and the source key was free). Fresh rows need no
	// delete; fresh deletes are no-ops.
	fresh bool
}

// pending collapses one table's changes in a batch to one entry per key,
// so the batch is applied set-wise: read partial rows' TOAST values, delete
// every touched key, insert the final rows. Keys never leave the map, so
// every key whose mirror row is read or replaced gets deleted.
type pending struct {
	m       *mirror
	rel     *cdc.Relation
	keys    []int
	entries map[string]*entry
	order   []*entry
	seq     int
	// dedupe: inserts may meet rows the mirror holds (a table copy
	// overlapping the stream), so no entry is fresh.
	dedupe bool
}

func (p *pending) reset() { p.entries, p.order = nil, nil }

// insertOnly reports whether every entry is a fresh complete row, so the
// batch can be inserted without staging, reading or deleting. Fresh
// deletes (rows inserted and deleted within the batch) are skipped.
func (p *pending) insertOnly() bool {
	for _, e := range p.order {
		if !e.fresh || e.op == opPartial {
			return false
		}
	}
	return true
}

func (p *pending) put(k string, e *entry) {
	if p.entries == nil {
		p.entries = map[string]*entry{}
	}
	if old, ok := p.entries[k]; ok {
		e.fresh = old.fresh
		*old = *e // keep arrival order of the first change to this key
		return
	}
	p.entries[k] = e
	p.order = append(p.order, e)
}

func (p *pending) add(c *cdc.Change) {
	if len(p.keys) == 0 { // no replica identity: insert-only table
		p.seq++
		p.put(fmt.Sprint("#", p.seq), &entry{op: opRow, row: c.New, fresh: true})
		return
	}
	switch c.Op {
	case cdc.OpInsert:
		k, kv := p.keyOf(c.New)
		p.put(k, &entry{op: opRow, key: kv, row: c.New, fresh: !p.dedupe})
	case cdc.OpDelete:
		k, kv := p.keyOf(c.Old)
		p.put(k, &entry{op: opDelete, key: kv})
	case cdc.OpUpdate:
		p.update(c)
	}
}

func (p *pending) update(c *cdc.Change) {
	newK, newKV := p.keyOf(c.New)
	oldK, oldKV := newK, newKV
	if c.Old != nil {
		oldK, oldKV = p.keyOf(c.Old)
	}
	row := append([]any(nil), c.New...)
	if c.Rel.ReplicaIdentity == 'f' && c.Old != nil {
		fill(row, c.Old)
	}
	e := &entry{op: opRow, key: newKV, row: row}
	if hasUnchanged(row) {
		switch prev := p.entries[oldK]; {
		case prev == nil:
			e.op, e.match = opPartial, oldKV
		case prev.op == opDelete: // cannot happen with a consistent source
			fill(row, make([]any, len(row)))
		default:
			fill(row, prev.row)
			if hasUnchanged(row) {
				e.op, e.match = opPartial, prev.match
			}
		}
	}
	if oldK != newK {
		p.put(oldK, &entry{op: opDelete, key: oldKV})
	}
	p.put(newK, e)
}

// fill replaces Unchanged values of row with from's values at the same
// position (when from has one).
func fill(row, from []any) {
	for i, v := range row {
		if _, u := v.(cdc.Unchanged); u && i < len(from) {
			row[i] = from[i]
		}
	}
}

func hasUnchanged(row []any) bool {
	for _, v := range row {
		if _, u := v.(cdc.Unchanged); u {
			return true
		}
	}
	return false
}

// keyOf returns a map key and the key column values of row.
func (p *pending) keyOf(row []any) (string, []any) {
	var b strings.Builder
	kv := make([]any, len(p.keys))
	for i, k := range p.keys {
		if k < len(row) {
			kv[i] = row[k]
		}
		fmt.Fprintf(&b, "%T:%v\x00", kv[i], kv[i])
	}
	return b.String(), kv
}
