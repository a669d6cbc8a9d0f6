package cdc

import (
	"context"
	"fmt"
	"time"
)

// LSN is a PostgreSQL write-ahead log position.
type LSN uint64

// String formats the LSN the way PostgreSQL does (e.g. "16/B374D848").
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint32(l>>32), uint32(l)) }

// ParseLSN parses PostgreSQL's "XXX/XXX" notation.
func ParseLSN(s string) (LSN, error) {
	var hi, lo uint32
	if _, err := fmt.Sscanf(s, "%X/%X", &hi, &lo); err != nil {
		return 0, fmt.Errorf("parse lsn %q: %w", s, err)
	}
	return LSN(uint64(hi)<<32 | uint64(lo)), nil
}

// Column describes one column of a source relation.
type Column struct {
	Name    string
	TypeOID uint32
	// TypeMod is atttypmod (-1 when unconstrained).
	TypeMod int32
	// Key is true for columns of the replica identity.
	Key bool
	// Attnum is the column's pg_attribute.attnum: its identity across
	// renames, and what tells a dropped and re-added column of the same
	// name apart. 0 when unknown (see Relation.Ambiguous).
	Attnum int16
	// Rewritten is set when rows older than the column may hold values
	// pgoutput never sent: the column has a default (or is an identity
	// column) but no missing value, as after ADD COLUMN with a volatile
	// default, which rewrites the table (or a default set after the
	// column was added, which leaves older rows NULL: the two look alike).
	Rewritten bool
	// Missing is the value PostgreSQL reads for rows stored before the
	// column was added (pg_attribute.attmissingval: an ADD COLUMN's
	// non-volatile default), when HasMissing. pgoutput never sends those
	// rows, so a Sink fills the value into the rows it already holds when
	// a relation message adds the column. Set by Stream on streamed
	// relations; the snapshot's rows carry the value themselves.
	Missing    any
	HasMissing bool
}

// Relation describes a source table as pgoutput last announced it. A
// *Relation is immutable once published by the Decoder: a later relation
// message for the same table produces a new value, so changes keep the
// shape they were decoded with.
type Relation struct {
	ID              uint32
	Schema, Name    string
	ReplicaIdentity byte // 'd' default, 'n' nothing, 'f' full, 'i' index
	Columns         []Column
	// Filenode is the table's pg_class.relfilenode when the relation was
	// identified (0 when unknown). PostgreSQL writes a new file when it
	// rewrites a table (ALTER COLUMN TYPE, even to the same type with a
	// USING expression; ADD COLUMN with a volatile default; TRUNCATE;
	// VACUUM FULL) and sends none of the rewritten rows, so a mirror made
	// from another file may hold values PostgreSQL no longer has.
	Filenode uint32
	// Ambiguous is set when the catalogue could not tell which attribute
	// each column of the relation message is (pgoutput sends names and
	// types, not attnums, and the catalogue may have moved on since the
	// message was written): a Sink must not derive the mirror's new shape
	// from the old one, it returns a CopyNeededError and the Stream copies
	// the table afresh.
	Ambiguous bool
}

// KeyColumns returns the indexes of the replica identity columns.
func (r *Relation) KeyColumns() []int {
	var k []int
	for i, c := range r.Columns {
		if c.Key {
			k = append(k, i)
		}
	}
	return k
}

// Op is the kind of a row change.
type Op uint8

// Row change kinds.
const (
	OpInsert Op = iota + 1
	OpUpdate
	OpDelete
	OpTruncate
)

func (o Op) String() string {
	switch o {
	case OpInsert:
		return "insert"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	case OpTruncate:
		return "truncate"
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Unchanged marks a column value that pgoutput did not send because it is
// an unchanged TOASTed value: the row keeps the value it already has. It is
// distinct from nil, which is SQL NULL.
type Unchanged struct{}

// Change is one row change of a committed transaction. Values are typed Go
// values (see DecodeValue); nil is NULL and Unchanged{} an unchanged TOAST
// value. For OpTruncate only Rel is set.
type Change struct {
	Op  Op
	Rel *Relation
	// Old is the old key (replica identity) or, with REPLICA IDENTITY FULL,
	// the whole old row; set on deletes and on updates that change the key
	// (always with FULL). Non-key positions of a key-only tuple are nil.
	Old []any
	// New is the new row of an insert or update.
	New []any
}

// Tx is one complete committed source transaction.
type Tx struct {
	Xid        uint32
	CommitLSN  LSN
	EndLSN     LSN // end of the commit record: the position to resume after
	CommitTime time.Time
	Changes    []Change
	// Bytes approximates the decoded size, for batch limits.
	Bytes int
}

// Position is what a Sink has durably applied.
type Position struct {
	// LSN is the EndLSN of the last applied transaction, or the slot's
	// consistent point right after the initial snapshot.
	LSN LSN
	// SnapshotDone is true once the initial snapshot has been fully copied.
	SnapshotDone bool
}

// Batch is a unit of work for a Sink: changes of complete transactions in
// commit order, plus relations that must exist even without rows (tables
// copied by the snapshot that are empty).
type Batch struct {
	Changes   []Change
	Relations []*Relation
	// Position is stored by the Sink in the same transaction as Changes.
	Position Position
	// LastCommit is the commit time of the last transaction (zero for
	// snapshot batches), for lag metrics.
	LastCommit time.Time
	// Copy, when set, says Changes are inserts of a table copied after it
	// joined the publication with rows (see TableCopy).
	Copy *TableCopy
}

// TableCopy describes one chunk of the copy of a table that joined the
// publication after the initial snapshot and already held rows, which
// pgoutput never sends. The copy is read in a snapshot taken while
// streaming, when the primary's WAL was at Until: streamed changes of the
// table committed before Until may already be in the copy. Consistency is
// by key: a Sink applies the table's changes idempotently (delete by key,
// then insert) in every batch that starts before Until, so replaying them
// over the copy converges to the source — each key ends with its last
// change. Tables without a replica identity key cannot be deduplicated.
//
// An Exact copy is read in a snapshot exported by a temporary slot whose
// consistent point is Until: it holds exactly the transactions committed
// before Until, so the Stream drops the table's changes committed before
// it instead of replaying them, and the Sink replaces the mirror (shape
// included) with the copy. Gone says the table no longer exists or is no
// longer published at Until: the Sink drops its mirror.
type TableCopy struct {
	Rel   *Relation
	Until LSN
	Exact bool
	Gone  bool
	// First is set on the first chunk: the Sink empties the mirror (a
	// copy interrupted by a crash starts over). Last is set on the last
	// chunk: the mirror is then complete.
	First, Last bool
}

// CopyNeededError is returned (wrapped) by Sink.Apply when a table's
// mirror cannot be carried over to a relation's new shape exactly: the
// columns' identities are unknown, or a column changed type (PostgreSQL
// rewrote the values with its own cast or a USING expression, and sent
// none of them). The Stream then copies the table in a snapshot exactly
// consistent with a WAL position (see TableCopy.Exact) and applies the
// batch again without the table's changes the copy holds.
type CopyNeededError struct {
	Schema, Name string
	Reason       string
}

func (e *CopyNeededError) Error() string {
	return fmt.Sprintf("mirror of %s.%s needs a fresh copy: %s", e.Schema, e.Name, e.Reason)
}

// ExactCopies is implemented by Sinks that record exact table copies
// (TableCopy.Exact): the position each table was copied at, for copies
// the Sink's position has not yet passed. The Stream skips the table's
// changes committed before it.
type ExactCopies interface {
	ExactCopies(ctx context.Context) (map[string]LSN, error)
}

// TableChecker is implemented by Sinks that know whether a table's mirror
// is complete. With it, a Stream copies exactly every published table
// without a complete mirror when it starts streaming and every
// Config.PublishedCheckInterval (an empty table gets an empty mirror), and
// a table whose relation message arrives without a complete mirror while
// the table holds rows.
type TableChecker interface {
	HasTable(ctx context.Context, schema, name string) (bool, error)
}

// Sink receives batches. Implementations apply a batch and its Position
// atomically: after Apply returns nil both are durable, after an error
// neither is. Stream calls one method at a time.
type Sink interface {
	// Position returns what has been durably applied; the zero Position
	// when nothing has.
	Position(ctx context.Context) (Position, error)
	// Apply applies b and stores b.Position in one transaction.
	Apply(ctx context.Context, b *Batch) error
	// Reset discards every mirrored table and the stored Position, so that
	// a fresh snapshot can start over.
	Reset(ctx context.Context) error
}
