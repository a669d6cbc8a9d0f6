package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Problem is a chain that no longer holds a checkpointed state.
type Problem struct {
	OrganisationID int64
	EntryID        int64
	Detail         string
}

func (p Problem) String() string {
	return fmt.Sprintf("organisation %d, entry %d: %s", p.OrganisationID, p.EntryID, p.Detail)
}

// Verify checks each checkpoint against the database: the checkpointed
// entry must still exist with the same hash and the chain head must be at
// or after it. It returns the problems found (none: every chain holds its
// checkpoint), in organisation order. Organisations other than org are
// skipped when org > 0.
func Verify(ctx context.Context, db DB, cps map[int64]Checkpoint, org int64) ([]Problem, error) {
	orgs := make([]int64, 0, len(cps))
	for o := range cps {
		if org == 0 || o == org {
			orgs = append(orgs, o)
		}
	}
	slices.Sort(orgs)
	var problems []Problem
	for _, o := range orgs {
		p, err := verifyOne(ctx, db, cps[o])
		if err != nil {
			return nil, err
		}
		if p != nil {
			problems = append(problems, *p)
		}
	}
	return problems, nil
}

func verifyOne(ctx context.Context, db DB, c Checkpoint) (*Problem, error) {
	taken := c.TakenAt.UTC().Format(time.RFC3339)
	var hash []byte
	// An archived month keeps its chain anchors (the chain head among them).
	err := db.QueryRow(ctx, `SELECT hash FROM audit.staff_audit_log WHERE organisation_id = $1 AND id = $2
		UNION ALL SELECT hash FROM cch_partition.chain_anchor WHERE organisation_id = $1 AND entry_id = $2 LIMIT 1`,
		c.OrganisationID, c.EntryID).Scan(&hash)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return &Problem{c.OrganisationID, c.EntryID, fmt.Sprintf(
			"entry checkpointed at %s is missing: audit entries were deleted (the log was shortened)", taken)}, nil
	case err != nil:
		return nil, fmt.Errorf("organisation %d: read entry %d: %w", c.OrganisationID, c.EntryID, err)
	}
	if got := hex.EncodeToString(hash); got != c.Hash {
		return &Problem{c.OrganisationID, c.EntryID, fmt.Sprintf(
			"entry hash %s differs from the checkpoint of %s (%s): the entry was rewritten", short(got), taken, short(c.Hash))}, nil
	}
	var head int64
	err = db.QueryRow(ctx, `SELECT last_entry_id FROM audit.chain_head WHERE organisation_id = $1`, c.OrganisationID).Scan(&head)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		head = 0
	case err != nil:
		return nil, fmt.Errorf("organisation %d: read chain head: %w", c.OrganisationID, err)
	}
	if head < c.EntryID {
		return &Problem{c.OrganisationID, c.EntryID, fmt.Sprintf(
			"chain head is at entry %d, before the entry checkpointed at %s: the head was moved back", head, taken)}, nil
	}
	return nil, nil
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
