package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Checkpoint is a signed record of one organisation's audit chain head.
type Checkpoint struct {
	OrganisationID int64     `json:"organisation_id"`
	EntryID        int64     `json:"entry_id"` // id of the chain's newest entry
	Hash           string    `json:"hash"`     // that entry's hash, hex
	TakenAt        time.Time `json:"taken_at"`
	KeyID          string    `json:"key_id"` // KeyID of the signing key
	MAC            string    `json:"mac"`    // HMAC-SHA256 of message(), hex
}

// message is what the MAC covers: every field but the MAC, unambiguously.
func (c Checkpoint) message() []byte {
	return []byte("cch-audit-checkpoint/v1\n" + strconv.FormatInt(c.OrganisationID, 10) + "\n" +
		strconv.FormatInt(c.EntryID, 10) + "\n" + c.Hash + "\n" + c.TakenAt.UTC().Format(time.RFC3339Nano) + "\n" + c.KeyID)
}

func (c Checkpoint) mac(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(c.message())
	return m.Sum(nil)
}

// Sign sets KeyID and MAC for key.
func (c *Checkpoint) Sign(key []byte) {
	c.KeyID = KeyID(key)
	c.MAC = hex.EncodeToString(c.mac(key))
}

// Valid reports whether c was signed with key and not changed since.
func (c Checkpoint) Valid(key []byte) bool {
	got, err := hex.DecodeString(c.MAC)
	return err == nil && c.KeyID == KeyID(key) && hmac.Equal(got, c.mac(key))
}

// DB is what Take and Verify need of a connection or transaction.
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Take reads the head of every audit chain visible on db (all of them for
// a superuser; the caller's organisation under row-level security), or of
// organisation org when org > 0, and returns them signed with key. A head
// whose entry is missing or has another hash is refused: the log is
// already broken and must not be vouched for.
func Take(ctx context.Context, db DB, key []byte, org int64) ([]Checkpoint, error) {
	rows, err := db.Query(ctx, `SELECT h.organisation_id, h.last_entry_id, h.last_hash, coalesce(l.hash, a.hash) IS NOT DISTINCT FROM h.last_hash
		FROM audit.chain_head h
		LEFT JOIN audit.staff_audit_log l ON l.organisation_id = h.organisation_id AND l.id = h.last_entry_id
		LEFT JOIN cch_partition.chain_anchor a ON a.organisation_id = h.organisation_id AND a.entry_id = h.last_entry_id
		WHERE h.last_entry_id <> 0 AND ($1::bigint = 0 OR h.organisation_id = $1::bigint)
		ORDER BY h.organisation_id`, org)
	if err != nil {
		return nil, fmt.Errorf("read audit chain heads: %w", err)
	}
	now := time.Now().UTC()
	var cps []Checkpoint
	for rows.Next() {
		var (
			c     Checkpoint
			hash  []byte
			match bool
		)
		if err := rows.Scan(&c.OrganisationID, &c.EntryID, &hash, &match); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read audit chain heads: %w", err)
		}
		if !match {
			rows.Close()
			return nil, fmt.Errorf("organisation %d: chain head entry %d is missing or altered; run cch audit verify", c.OrganisationID, c.EntryID)
		}
		c.Hash, c.TakenAt = hex.EncodeToString(hash), now
		c.Sign(key)
		cps = append(cps, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit chain heads: %w", err)
	}
	return cps, nil
}
