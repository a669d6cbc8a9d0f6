package cdc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// sessionParams make PostgreSQL print values the way DecodeText reads them,
// on the walsender (pgoutput uses its output functions) and the snapshot
// connection alike.
var sessionParams = map[string]string{
	"application_name":   "cch-cdc",
	"TimeZone":           "UTC",
	"DateStyle":          "ISO, MDY",
	"IntervalStyle":      "postgres",
	"extra_float_digits": "3",
	"bytea_output":       "hex",
}

// connect opens the replication connection and a normal one (publication,
// slot queries, snapshot copy, heartbeats) — the only place this package
// connects.
func (s *Stream) connect(ctx context.Context) (*pgconn.PgConn, *pgx.Conn, error) {
	repl, err := s.replicationConn(ctx)
	if err != nil {
		return nil, nil, err
	}
	nc, err := pgx.ParseConfig(s.cfg.URL)
	if err != nil {
		repl.Close(ctx)
		return nil, nil, fmt.Errorf("parse database url: %w", err)
	}
	for k, v := range sessionParams {
		nc.RuntimeParams[k] = v
	}
	conn, err := pgx.ConnectConfig(ctx, nc)
	if err != nil {
		repl.Close(ctx)
		return nil, nil, fmt.Errorf("connection: %w", err)
	}
	return repl, conn, nil
}

// replicationConn opens a replication connection (replication=database).
func (s *Stream) replicationConn(ctx context.Context) (*pgconn.PgConn, error) {
	rc, err := pgconn.ParseConfig(s.cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	for k, v := range sessionParams {
		rc.RuntimeParams[k] = v
	}
	rc.RuntimeParams["replication"] = "database"
	repl, err := pgconn.ConnectConfig(ctx, rc)
	if err != nil {
		return nil, fmt.Errorf("replication connection: %w", err)
	}
	return repl, nil
}

// session runs one replication connection from connect to failure.
func (s *Stream) session(ctx context.Context) error {
	repl, conn, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		repl.Close(closeCtx)
		conn.Close(closeCtx)
	}()
	if err := s.ensurePublication(ctx, conn); err != nil {
		return err
	}
	pos, err := s.prepare(ctx, repl, conn)
	if err != nil {
		return err
	}
	s.applied.Store(uint64(pos.LSN))
	if err := s.forgetWithheld(ctx, conn); err != nil {
		return err
	}
	binary, err := s.chooseBinary(ctx, conn)
	if err != nil {
		return err
	}
	s.binary.Store(binary)
	args := []string{"proto_version '2'", fmt.Sprintf("publication_names '%s'", s.cfg.Publication), "streaming 'on'"}
	if binary {
		args = append(args, "binary 'true'")
	}
	err = pglogrepl.StartReplication(ctx, repl, s.cfg.Slot, pglogrepl.LSN(pos.LSN),
		pglogrepl.StartReplicationOptions{PluginArgs: args})
	if err != nil {
		return s.lostSlotError(ctx, conn, fmt.Errorf("start replication at %s: %w", pos.LSN, err))
	}
	s.log.Info("streaming", "slot", s.cfg.Slot, "from", pos.LSN.String())
	s.setStreaming(true)
	defer s.setStreaming(false)
	s.readyOnce.Do(func() { close(s.ready) })
	l := newLoop(s, repl, conn, pos.LSN)
	l.binary = binary
	if ec, ok := s.sink.(ExactCopies); ok {
		if l.skip, err = ec.ExactCopies(ctx); err != nil {
			return err
		}
	}
	return l.run(ctx)
}

func (s *Stream) ensurePublication(ctx context.Context, conn *pgx.Conn) error {
	var exists bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1)", s.cfg.Publication).Scan(&exists)
	if err != nil {
		return fmt.Errorf("look up publication: %w", err)
	}
	if exists {
		return nil
	}
	if !s.cfg.CreatePublication {
		return fmt.Errorf("publication %q does not exist", s.cfg.Publication)
	}
	_, err = conn.Exec(ctx, "CREATE PUBLICATION "+pgx.Identifier{s.cfg.Publication}.Sanitize()+" FOR ALL TABLES")
	if err != nil {
		return fmt.Errorf("create publication: %w", err)
	}
	return nil
}

// prepare decides where to stream from. With a completed snapshot and the
// slot present, it is the Sink's position; an invalidated slot is
// ErrSlotLost (the Sink keeps its data for the caller to serve meanwhile).
// Otherwise — first start, a crash during the snapshot, or a missing
// slot — the slot and every mirror are
// dropped and a new snapshot is taken: an exported snapshot cannot outlive
// the connection that created it, so an interrupted copy cannot continue
// consistently, and starting over is what guarantees no loss and no
// duplicates.
func (s *Stream) prepare(ctx context.Context, repl *pgconn.PgConn, conn *pgx.Conn) (Position, error) {
	pos, err := s.sink.Position(ctx)
	if err != nil {
		return pos, err
	}
	slotExists, walStatus, err := slotState(ctx, conn, s.cfg.Slot)
	if err != nil {
		return pos, err
	}
	if pos.SnapshotDone && slotExists && walStatus == "lost" {
		s.metrics.slotLost.Set(1)
		return pos, ErrSlotLost
	}
	if pos.SnapshotDone && slotExists {
		return pos, nil
	}
	if pos.SnapshotDone && s.cfg.MissingSlotIsLost {
		s.metrics.slotLost.Set(1)
		return pos, fmt.Errorf("%w: slot %s is missing on this server (a failover?)", ErrSlotLost, s.cfg.Slot)
	}
	if pos.SnapshotDone {
		s.log.Warn("slot is missing; taking a new snapshot", "slot", s.cfg.Slot)
	}
	if slotExists {
		err := pglogrepl.DropReplicationSlot(ctx, repl, s.cfg.Slot, pglogrepl.DropReplicationSlotOptions{Wait: true})
		if err != nil {
			return pos, fmt.Errorf("drop stale slot: %w", err)
		}
	}
	if err := s.sink.Reset(ctx); err != nil {
		return pos, fmt.Errorf("reset warehouse: %w", err)
	}
	return s.snapshot(ctx, repl, conn)
}

// isTimeout tells a receive deadline (a tick) from a real failure.
func isTimeout(ctx context.Context, err error) bool {
	return ctx.Err() == nil && (pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded))
}
