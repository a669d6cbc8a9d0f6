package cdc

import (
	"errors"
	"fmt"
	"time"
)

// Message is a decoded pgoutput message: one of *Begin, *Commit,
// *RelationMessage, *RowMessage, *TruncateMessage, *StreamStart,
// *StreamStop, *StreamCommit, *StreamAbort or *Other.
type Message interface{ isMessage() }

// Begin starts a (non-streamed) transaction.
type Begin struct {
	FinalLSN   LSN
	CommitTime time.Time
	Xid        uint32
}

// Commit ends a (non-streamed) transaction.
type Commit struct {
	CommitLSN, EndLSN LSN
	CommitTime        time.Time
}

// RelationMessage announces a relation's shape; the Decoder has cached it.
type RelationMessage struct {
	Xid uint32 // set inside a stream
	Rel *Relation
}

// RowMessage is an insert, update or delete.
type RowMessage struct {
	Xid    uint32 // set inside a stream (may be a subtransaction)
	Change Change
}

// TruncateMessage truncates one or more relations.
type TruncateMessage struct {
	Xid  uint32
	Rels []*Relation
}

// StreamStart opens a block of changes of an in-progress transaction.
type StreamStart struct {
	Xid   uint32
	First bool
}

// StreamStop closes a stream block.
type StreamStop struct{}

// StreamCommit commits a streamed transaction.
type StreamCommit struct {
	Xid               uint32
	CommitLSN, EndLSN LSN
	CommitTime        time.Time
}

// StreamAbort aborts a streamed transaction (SubXid == Xid) or one of its
// subtransactions.
type StreamAbort struct{ Xid, SubXid uint32 }

// Other is a message the pipeline does not act on (origin, type, logical
// decoding message).
type Other struct{ Type byte }

func (*Begin) isMessage()           {}
func (*Commit) isMessage()          {}
func (*RelationMessage) isMessage() {}
func (*RowMessage) isMessage()      {}
func (*TruncateMessage) isMessage() {}
func (*StreamStart) isMessage()     {}
func (*StreamStop) isMessage()      {}
func (*StreamCommit) isMessage()    {}
func (*StreamAbort) isMessage()     {}
func (*Other) isMessage()           {}

// ErrUnknownRelation is returned for a row change whose relation was never
// announced.
var ErrUnknownRelation = errors.New("unknown relation")

// Decoder decodes pgoutput protocol version 2 messages. It keeps the
// relation cache and whether a stream block is open, so messages must be
// fed in order. Not safe for concurrent use.
type Decoder struct {
	rels     map[uint32]*Relation
	inStream bool
}

// NewDecoder returns a Decoder with an empty relation cache.
func NewDecoder() *Decoder { return &Decoder{rels: map[uint32]*Relation{}} }

// Relation returns the cached relation with id, or nil.
func (d *Decoder) Relation(id uint32) *Relation { return d.rels[id] }

// Decode decodes one pgoutput message (the payload of an XLogData).
func (d *Decoder) Decode(data []byte) (Message, error) {
	if len(data) == 0 {
		return nil, errors.New("decode: empty message")
	}
	r := &reader{b: data[1:]}
	m, err := d.decode(data[0], r)
	if err == nil {
		err = r.err
	}
	if err != nil {
		return nil, fmt.Errorf("decode %q message: %w", data[0], err)
	}
	return m, nil
}

func (d *Decoder) decode(kind byte, r *reader) (Message, error) {
	switch kind {
	case 'B':
		return &Begin{FinalLSN: r.lsn(), CommitTime: r.time(), Xid: r.u32()}, nil
	case 'C':
		r.u8()
		return &Commit{CommitLSN: r.lsn(), EndLSN: r.lsn(), CommitTime: r.time()}, nil
	case 'S':
		m := &StreamStart{Xid: r.u32(), First: r.u8() == 1}
		if r.err == nil {
			d.inStream = true
		}
		return m, nil
	case 'E':
		d.inStream = false
		return &StreamStop{}, nil
	case 'c':
		m := &StreamCommit{Xid: r.u32()}
		r.u8()
		m.CommitLSN, m.EndLSN, m.CommitTime = r.lsn(), r.lsn(), r.time()
		return m, nil
	case 'A':
		return &StreamAbort{Xid: r.u32(), SubXid: r.u32()}, nil
	case 'R':
		return d.relation(r)
	case 'I', 'U', 'D':
		return d.row(kind, r)
	case 'T':
		return d.truncate(r)
	case 'O', 'Y', 'M':
		return &Other{Type: kind}, nil
	}
	return nil, errors.New("unknown message type")
}

func (d *Decoder) xid(r *reader) uint32 {
	if d.inStream {
		return r.u32()
	}
	return 0
}

func (d *Decoder) relation(r *reader) (Message, error) {
	m := &RelationMessage{Xid: d.xid(r)}
	rel := &Relation{ID: r.u32(), Schema: r.str(), Name: r.str(), ReplicaIdentity: r.u8()}
	n := int(r.u16())
	if r.err != nil {
		return nil, r.err
	}
	for i := 0; i < n && r.err == nil; i++ {
		flags := r.u8()
		rel.Columns = append(rel.Columns, Column{
			Key: flags&1 == 1, Name: r.str(), TypeOID: r.u32(), TypeMod: int32(r.u32()),
		})
	}
	if r.err != nil {
		return nil, r.err
	}
	d.rels[rel.ID] = rel
	m.Rel = rel
	return m, nil
}

func (d *Decoder) truncate(r *reader) (Message, error) {
	m := &TruncateMessage{Xid: d.xid(r)}
	n := r.u32()
	r.u8() // options: CASCADE / RESTART IDENTITY do not matter to a mirror
	for i := uint32(0); i < n && r.err == nil; i++ {
		id := r.u32()
		rel := d.rels[id]
		if rel == nil && r.err == nil {
			return nil, fmt.Errorf("%w %d", ErrUnknownRelation, id)
		}
		m.Rels = append(m.Rels, rel)
	}
	return m, r.err
}
