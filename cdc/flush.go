package cdc

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
)

// flush applies the batch and then — only then — reports its position
// as flushed to PostgreSQL.
func (l *loop) flush(ctx context.Context) error {
	b := &l.batch
	start := time.Now()
	if err := l.applyBatch(ctx); err != nil {
		return err
	}
	m := l.s.metrics
	m.batchTime.Observe(time.Since(start).Seconds())
	m.batchRows.Observe(float64(len(b.Changes)))
	counts := map[[2]string]int{}
	for _, c := range b.Changes {
		counts[[2]string{c.Rel.Schema + "." + c.Rel.Name, c.Op.String()}]++
	}
	for k, n := range counts {
		m.rows.WithLabelValues(k[0], k[1]).Add(float64(n))
	}
	l.applied = b.Position.LSN
	l.s.applied.Store(uint64(l.applied))
	l.s.lastCommit.Store(b.LastCommit.UnixMicro())
	clear(b.Changes)
	b.Changes = b.Changes[:0]
	l.batchBytes = 0
	if !l.asm.Pending() {
		l.s.caughtUp.Store(true)
	}
	return l.sendStatus(ctx)
}

// ackPosition is the LSN to report as flushed: what the Sink has stored,
// or — when nothing is buffered or open — the server's fully sent position,
// since every transaction committed before it has then been applied. This
// is what lets an idle slot's confirmed_flush_lsn advance.
func (l *loop) ackPosition() LSN {
	if l.batch.Position.LSN <= l.applied && !l.asm.Pending() && l.walEnd > l.applied {
		return l.walEnd
	}
	return l.applied
}

func (l *loop) sendStatus(ctx context.Context) error {
	l.acked = max(l.acked, l.ackPosition())
	p := pglogrepl.LSN(l.acked)
	err := pglogrepl.SendStandbyStatusUpdate(ctx, l.repl, pglogrepl.StandbyStatusUpdate{
		WALWritePosition: p, WALFlushPosition: p, WALApplyPosition: p, ClientTime: time.Now(),
	})
	if err != nil {
		return fmt.Errorf("standby status update: %w", err)
	}
	l.nextStatus = time.Now().Add(l.s.cfg.StatusInterval)
	l.s.metrics.lagSeconds.Set(min(l.s.Lag(), 24*time.Hour).Seconds())
	if l.serverWAL > l.applied {
		l.s.metrics.lagBytes.Set(float64(l.serverWAL - l.applied))
	} else {
		l.s.metrics.lagBytes.Set(0)
	}
	return nil
}

// heartbeat writes a tiny non-transactional logical decoding message on
// the primary while idle, so the walsender has WAL to pass and reports a
// position to acknowledge, and samples the slot's retained WAL. Failures
// are logged: the replication connection reports real outages.
func (l *loop) heartbeat(ctx context.Context) {
	if l.batch.Position.LSN <= l.applied && !l.asm.Pending() {
		if _, err := l.conn.Exec(ctx, "SELECT pg_logical_emit_message(false, 'cch_heartbeat', '')"); err != nil {
			l.s.log.Warn("heartbeat failed", "err", err)
		}
	}
	var retained float64
	err := l.conn.QueryRow(ctx, `SELECT coalesce((pg_current_wal_lsn() - restart_lsn)::float8, 0)
		FROM pg_replication_slots WHERE slot_name = $1`, l.s.cfg.Slot).Scan(&retained)
	if err != nil {
		l.s.log.Warn("read slot retained WAL", "err", err)
		return
	}
	l.s.metrics.retainedWAL.Set(retained)
}
