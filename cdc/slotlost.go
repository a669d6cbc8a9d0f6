package cdc

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrSlotLost is returned by Stream.Run when PostgreSQL has invalidated the
// slot (pg_replication_slots.wal_status = 'lost': it retained more than
// max_slot_wal_keep_size and the WAL it needed is gone). The changes since
// the Sink's position can no longer be read, so retrying cannot succeed:
// the caller re-snapshots into a fresh Sink (see warehouse.Service).
var ErrSlotLost = errors.New("replication slot invalidated: the WAL it needed was removed")

// slotState reads whether the slot exists and its wal_status ("" when the
// slot is missing or the server reports none).
func slotState(ctx context.Context, conn *pgx.Conn, slot string) (exists bool, walStatus string, err error) {
	err = conn.QueryRow(ctx, `SELECT coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = $1`, slot).
		Scan(&walStatus)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("look up slot %s: %w", slot, err)
	}
	return true, walStatus, nil
}

// lostSlotError tells a failed START_REPLICATION on an invalidated slot
// from any other failure: the walsender reports it only as SQLSTATE 55000,
// so the catalogue decides.
func (s *Stream) lostSlotError(ctx context.Context, conn *pgx.Conn, startErr error) error {
	_, status, err := slotState(ctx, conn, s.cfg.Slot)
	if err == nil && status == "lost" {
		s.metrics.slotLost.Set(1)
		return fmt.Errorf("%w (%s)", ErrSlotLost, startErr)
	}
	return startErr
}
