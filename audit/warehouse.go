package audit

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The warehouse is the second place checkpoints live outside PostgreSQL.
// It mirrors audit.staff_audit_log and audit.chain_head through change data
// capture, so it can sign the chain heads it has seen itself, from the WAL
// stream rather than from a query the database answers, and keep them in
// its own DuckDB file, in a table no mirror writes (_cch.audit_checkpoint,
// beside the warehouse's other internal state, which exports leave out).
// A later deletion in PostgreSQL reaches the mirror as a DELETE, but never
// the recorded checkpoints: Verify against ReadWarehouse then names it.

// warehouseDDL creates the warehouse's checkpoint table. Each row is one
// signed checkpoint, kept as the JSON line the checkpoint file would hold
// (the signature covers taken_at to the nanosecond, which a DuckDB
// timestamp would round).
const warehouseDDL = `CREATE SCHEMA IF NOT EXISTS _cch;
CREATE TABLE IF NOT EXISTS _cch.audit_checkpoint (
  organisation_id BIGINT NOT NULL,
  entry_id BIGINT NOT NULL,
  checkpoint VARCHAR NOT NULL
)`

// ErrSignature is a recorded checkpoint whose signature does not verify
// under the key given: evidence of tampering (or of the wrong key).
var ErrSignature = errors.New("signature does not verify")

// SQLDB is what the warehouse functions need of a DuckDB handle.
type SQLDB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// TakeMirror reads the head of every audit chain mirrored in the
// warehouse db and returns them signed with key. A head whose mirrored
// entry is missing or has another hash is refused, as by Take. Chains the
// mirror has not seen yet (no audit tables, or no entries) give none.
func TakeMirror(ctx context.Context, db SQLDB, key []byte) ([]Checkpoint, error) {
	rows, err := db.QueryContext(ctx, `SELECT h.organisation_id, h.last_entry_id, h.last_hash, l.hash IS NOT DISTINCT FROM h.last_hash
		FROM audit.chain_head h
		LEFT JOIN audit.staff_audit_log l ON l.organisation_id = h.organisation_id AND l.id = h.last_entry_id
		WHERE h.last_entry_id <> 0
		ORDER BY h.organisation_id`)
	if err != nil {
		return nil, fmt.Errorf("read mirrored audit chain heads: %w", err)
	}
	defer rows.Close()
	now := time.Now().UTC()
	var cps []Checkpoint
	for rows.Next() {
		var (
			c     Checkpoint
			hash  []byte
			match bool
		)
		if err := rows.Scan(&c.OrganisationID, &c.EntryID, &hash, &match); err != nil {
			return nil, fmt.Errorf("read mirrored audit chain heads: %w", err)
		}
		if !match {
			return nil, fmt.Errorf("organisation %d: mirrored chain head entry %d is missing or altered", c.OrganisationID, c.EntryID)
		}
		c.Hash, c.TakenAt = hex.EncodeToString(hash), now
		c.Sign(key)
		cps = append(cps, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read mirrored audit chain heads: %w", err)
	}
	return cps, nil
}

// RecordWarehouse keeps cps in the warehouse db's checkpoint table (created
// when missing), leaving out a checkpoint whose organisation already has
// one at the same entry, so an idle chain does not grow the table. It
// returns the checkpoints it recorded.
func RecordWarehouse(ctx context.Context, db SQLDB, cps []Checkpoint) ([]Checkpoint, error) {
	if _, err := db.ExecContext(ctx, warehouseDDL); err != nil {
		return nil, fmt.Errorf("warehouse checkpoint table: %w", err)
	}
	var recorded []Checkpoint
	for _, c := range cps {
		line, err := json.Marshal(c)
		if err != nil {
			return recorded, fmt.Errorf("encode checkpoint: %w", err)
		}
		res, err := db.ExecContext(ctx, `INSERT INTO _cch.audit_checkpoint (organisation_id, entry_id, checkpoint)
			SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM _cch.audit_checkpoint WHERE organisation_id = $1 AND entry_id = $2)`,
			c.OrganisationID, c.EntryID, string(line))
		if err != nil {
			return recorded, fmt.Errorf("record checkpoint of organisation %d: %w", c.OrganisationID, err)
		}
		if k, err := res.RowsAffected(); err == nil && k > 0 {
			recorded = append(recorded, c)
		}
	}
	return recorded, nil
}

// CheckpointWarehouse is one checkpoint round of the warehouse: it signs
// the mirrored chain heads with key and records the new ones, which it
// returns.
func CheckpointWarehouse(ctx context.Context, db SQLDB, key []byte) ([]Checkpoint, error) {
	cps, err := TakeMirror(ctx, db, key)
	if err != nil {
		return nil, err
	}
	return RecordWarehouse(ctx, db, cps)
}

// ReadWarehouse returns, per organisation, the newest checkpoint (highest
// entry id) recorded in the warehouse db. Every row must carry a valid
// signature under key: an edited or forged row is an error. A warehouse
// that has recorded none yet is an error too (nothing to check against).
func ReadWarehouse(ctx context.Context, db SQLDB, key []byte) (map[int64]Checkpoint, error) {
	rows, err := db.QueryContext(ctx, `SELECT checkpoint FROM _cch.audit_checkpoint ORDER BY organisation_id, entry_id`)
	if err != nil {
		return nil, fmt.Errorf("read warehouse checkpoints (has the warehouse recorded any?): %w", err)
	}
	defer rows.Close()
	latest := map[int64]Checkpoint{}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, fmt.Errorf("read warehouse checkpoints: %w", err)
		}
		var c Checkpoint
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("warehouse checkpoint %q: %w", line, err)
		}
		if !c.Valid(key) {
			return nil, fmt.Errorf("warehouse checkpoint of organisation %d at entry %d: %w (key %s, row says %s): the row was edited or another key is in use",
				c.OrganisationID, c.EntryID, ErrSignature, KeyID(key), c.KeyID)
		}
		if prev, ok := latest[c.OrganisationID]; !ok || c.EntryID >= prev.EntryID {
			latest[c.OrganisationID] = c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read warehouse checkpoints: %w", err)
	}
	if len(latest) == 0 {
		return nil, errors.New("the warehouse has recorded no audit checkpoint yet")
	}
	return latest, nil
}
