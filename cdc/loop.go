package cdc

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// loop is one replication session's receive loop. It runs on a single
// goroutine; only the Stream's atomics are shared.
type loop struct {
	s    *Stream
	repl *pgconn.PgConn
	conn *pgx.Conn
	dec  *Decoder
	asm  *Assembler
	// binary: pgoutput sends binary tuple data; every relation must then
	// be binary-decodable.
	binary bool
	// checked: relations whose mirror lateCopy has looked at.
	checked map[uint32]bool
	// skip: tables ("schema.name") copied exactly at a position; their
	// changes committed before it are in the copy (see recopy).
	skip map[string]LSN
	// superseded: relations announced before a table's exact copy, and
	// the copy's relation (same columns, attnums from the copy's
	// snapshot) that replaces them in later changes.
	superseded map[*Relation]*Relation
	// mirrored: published tables ("schema.name") whose complete mirror
	// mirrorPublished has seen; nextPublished is its next run.
	mirrored      map[string]bool
	nextPublished time.Time

	batch      Batch
	batchBytes int
	batchStart time.Time

	applied   LSN // durable in the Sink
	acked     LSN // last reported flushed
	walEnd    LSN // server's fully sent position (keepalives)
	serverWAL LSN // server's WAL end (XLogData), for lag bytes

	nextStatus, nextHeartbeat time.Time
}

func newLoop(s *Stream, repl *pgconn.PgConn, conn *pgx.Conn, from LSN) *loop {
	now := time.Now()
	s.caughtUp.Store(true)
	return &loop{s: s, repl: repl, conn: conn, dec: NewDecoder(), asm: NewAssembler(), checked: map[uint32]bool{}, skip: map[string]LSN{}, superseded: map[*Relation]*Relation{},
		mirrored: map[string]bool{}, nextPublished: now,
		applied: from, acked: from, walEnd: from, nextStatus: now, nextHeartbeat: now}
}

func (l *loop) run(ctx context.Context) error {
	for {
		if err := l.tick(ctx); err != nil {
			return err
		}
		rctx, cancel := context.WithDeadline(ctx, l.deadline())
		msg, err := l.repl.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if isTimeout(ctx, err) {
				continue
			}
			return fmt.Errorf("receive: %w", err)
		}
		if err := l.handle(ctx, msg); err != nil {
			return err
		}
	}
}

// deadline is when the loop must wake without a message: a batch to
// close, a status update or a heartbeat due.
func (l *loop) deadline() time.Time {
	d := l.nextStatus
	if l.nextHeartbeat.Before(d) {
		d = l.nextHeartbeat
	}
	if l.nextPublished.Before(d) {
		d = l.nextPublished
	}
	if len(l.batch.Changes) > 0 || l.batch.Position.LSN > l.applied {
		if bd := l.batchStart.Add(l.s.cfg.BatchInterval); bd.Before(d) {
			d = bd
		}
	}
	return d
}

func (l *loop) tick(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now()
	if l.batch.Position.LSN > l.applied && !now.Before(l.batchStart.Add(l.s.cfg.BatchInterval)) {
		if err := l.flush(ctx); err != nil {
			return err
		}
	}
	if !now.Before(l.nextHeartbeat) {
		l.heartbeat(ctx)
		l.nextHeartbeat = now.Add(l.s.cfg.HeartbeatInterval)
	}
	if err := l.checkPublished(ctx, now); err != nil {
		return err
	}
	if !now.Before(l.nextStatus) {
		return l.sendStatus(ctx)
	}
	return nil
}

func (l *loop) handle(ctx context.Context, msg pgproto3.BackendMessage) error {
	switch m := msg.(type) {
	case *pgproto3.CopyData:
		if len(m.Data) == 0 {
			return nil
		}
		switch m.Data[0] {
		case pglogrepl.PrimaryKeepaliveMessageByteID:
			return l.handleKeepalive(ctx, m.Data[1:])
		case pglogrepl.XLogDataByteID:
			return l.handleXLogData(ctx, m.Data[1:])
		}
	case *pgproto3.ErrorResponse:
		return fmt.Errorf("replication: %w", pgconn.ErrorResponseToPgError(m))
	case *pgproto3.CopyDone:
		return fmt.Errorf("replication stream ended by the server")
	}
	return nil
}

func (l *loop) handleKeepalive(ctx context.Context, data []byte) error {
	k, err := pglogrepl.ParsePrimaryKeepaliveMessage(data)
	if err != nil {
		return fmt.Errorf("keepalive: %w", err)
	}
	l.walEnd = max(l.walEnd, LSN(k.ServerWALEnd))
	l.serverWAL = max(l.serverWAL, LSN(k.ServerWALEnd))
	if k.ReplyRequested {
		return l.sendStatus(ctx)
	}
	return nil
}

func (l *loop) handleXLogData(ctx context.Context, data []byte) error {
	x, err := pglogrepl.ParseXLogData(data)
	if err != nil {
		return fmt.Errorf("xlogdata: %w", err)
	}
	l.serverWAL = max(l.serverWAL, LSN(x.ServerWALEnd))
	m, err := l.dec.Decode(x.WALData)
	if err != nil {
		return fmt.Errorf("at %s: %w", LSN(x.WALStart), err)
	}
	if rm, ok := m.(*RelationMessage); ok {
		if err := l.relation(ctx, rm.Rel); err != nil {
			return err
		}
	}
	tx, err := l.asm.Add(m, len(x.WALData))
	if err != nil {
		return fmt.Errorf("at %s: %w", LSN(x.WALStart), err)
	}
	if tx != nil {
		return l.commit(ctx, tx)
	}
	l.s.caughtUp.Store(false)
	return nil
}

// relation completes a freshly decoded relation with what pgoutput does
// not send: its columns' attribute numbers (see identify) and the missing
// values of added columns. A partition published through its root is
// left alone. A failure to read them
// is logged (the mirror's older rows then hold NULL in such a column),
// not fatal: the stream must go on. In binary mode a relation with a
// column DecodeBinary cannot read ends the session before any of its
// rows arrive; the Stream then stays in text mode (nothing past the
// applied position was acknowledged, so the next session replays it).
func (l *loop) relation(ctx context.Context, rel *Relation) error {
	if l.binary && !binaryDecodable(rel) {
		l.s.textOnly.Store(true)
		return fmt.Errorf("%s.%s: %w; continuing in text mode", rel.Schema, rel.Name, errBinaryRelation)
	}
	skip, err := identify(ctx, l.conn, rel, l.asm.Xid(), l.s.cfg.Publication)
	if err != nil {
		return err
	}
	if skip {
		return nil
	}
	if err := annotateMissing(ctx, l.conn, rel); err != nil {
		l.s.log.Error("read missing values of added columns; older mirror rows keep NULL",
			"table", rel.Schema+"."+rel.Name, "err", err)
	}
	return l.lateCopy(ctx, rel)
}

// commit adds a complete transaction to the batch, closing the batch when
// it reaches its row or byte bound.
func (l *loop) commit(ctx context.Context, tx *Tx) error {
	if tx.EndLSN <= l.applied {
		return nil // already durable (replayed after a restart)
	}
	if l.batch.Position.LSN <= l.applied {
		l.batchStart = time.Now()
	}
	l.batch.Changes = append(l.batch.Changes, l.copied(tx)...)
	l.batch.Position = Position{LSN: tx.EndLSN, SnapshotDone: true}
	l.batch.LastCommit = tx.CommitTime
	l.batchBytes += tx.Bytes
	l.s.caughtUp.Store(false)
	if len(l.batch.Changes) >= l.s.cfg.BatchRows || l.batchBytes >= l.s.cfg.BatchBytes {
		return l.flush(ctx)
	}
	return nil
}
