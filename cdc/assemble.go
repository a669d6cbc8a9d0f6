package cdc

import "fmt"

// Assembler turns decoded messages into complete committed transactions,
// in commit order. Streamed transactions (protocol v2) are buffered per xid
// until Stream Commit; Stream Abort discards the transaction or just the
// aborted subtransaction's changes. Pure; not safe for concurrent use.
type Assembler struct {
	cur     *Tx // open non-streamed transaction
	streams map[uint32]*streamed
	block   uint32 // top-level xid of the open stream block, 0 outside one
}

type streamed struct {
	tx   Tx
	xids []uint32 // (sub)transaction of each change, for subxact aborts
}

// NewAssembler returns an empty Assembler.
func NewAssembler() *Assembler { return &Assembler{streams: map[uint32]*streamed{}} }

// Pending reports whether a transaction is open or buffered: while true,
// no position past the last completed transaction may be acknowledged.
func (a *Assembler) Pending() bool { return a.cur != nil || len(a.streams) > 0 }

// Xid is the top-level transaction messages currently belong to: the
// open stream block's, else the open transaction's; 0 outside both.
func (a *Assembler) Xid() uint32 {
	if a.block != 0 {
		return a.block
	}
	if a.cur != nil {
		return a.cur.Xid
	}
	return 0
}

// Add consumes m; size is the wire size of the message, for batch limits.
// It returns the transaction m completes, or nil.
func (a *Assembler) Add(m Message, size int) (*Tx, error) {
	switch m := m.(type) {
	case *Begin:
		if a.cur != nil {
			return nil, fmt.Errorf("begin of xid %d inside xid %d", m.Xid, a.cur.Xid)
		}
		a.cur = &Tx{Xid: m.Xid}
	case *Commit:
		if a.cur == nil {
			return nil, fmt.Errorf("commit %s without begin", m.EndLSN)
		}
		tx := a.cur
		a.cur = nil
		tx.CommitLSN, tx.EndLSN, tx.CommitTime = m.CommitLSN, m.EndLSN, m.CommitTime
		return tx, nil
	case *StreamCommit:
		s := a.streams[m.Xid]
		delete(a.streams, m.Xid)
		if s == nil {
			s = &streamed{tx: Tx{Xid: m.Xid}} // a streamed transaction with no changes for us
		}
		tx := &s.tx
		tx.CommitLSN, tx.EndLSN, tx.CommitTime = m.CommitLSN, m.EndLSN, m.CommitTime
		return tx, nil
	case *StreamStart:
		a.block = m.Xid
	case *StreamStop:
		a.block = 0
	case *StreamAbort:
		a.abort(m)
	case *RowMessage:
		return nil, a.add(m.Xid, m.Change, size)
	case *TruncateMessage:
		for _, rel := range m.Rels {
			if err := a.add(m.Xid, Change{Op: OpTruncate, Rel: rel}, size); err != nil {
				return nil, err
			}
		}
	}
	return nil, nil
}

func (a *Assembler) add(xid uint32, c Change, size int) error {
	if a.cur != nil && xid == 0 {
		a.cur.Changes = append(a.cur.Changes, c)
		a.cur.Bytes += size
		return nil
	}
	if xid == 0 || a.block == 0 {
		return fmt.Errorf("%s on %s.%s outside a transaction", c.Op, c.Rel.Schema, c.Rel.Name)
	}
	// Changes of a subtransaction carry its own xid; the stream block they
	// arrive in belongs to the top-level transaction named by StreamStart.
	s := a.streams[a.block]
	if s == nil {
		s = &streamed{tx: Tx{Xid: a.block}}
		a.streams[a.block] = s
	}
	s.tx.Changes = append(s.tx.Changes, c)
	s.tx.Bytes += size
	s.xids = append(s.xids, xid)
	return nil
}

func (a *Assembler) abort(m *StreamAbort) {
	s := a.streams[m.Xid]
	if s == nil {
		return
	}
	if m.SubXid == m.Xid {
		delete(a.streams, m.Xid)
		return
	}
	// An aborted subtransaction takes its nested subtransactions with it,
	// and its parent cannot have written while it was open: drop everything
	// from its first change on (what PostgreSQL's own apply worker does).
	for i, x := range s.xids {
		if x == m.SubXid {
			clear(s.tx.Changes[i:])
			s.tx.Changes, s.xids = s.tx.Changes[:i], s.xids[:i]
			return
		}
	}
}
