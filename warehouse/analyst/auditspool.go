package analyst

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// InterruptedOutcome is the outcome of a query whose process stopped
// before it ended (its start was in the spool, its end was not).
const InterruptedOutcome = "interrupted"

// openSpool reads back what a previous process left in the spool at path
// — entries it had not written to PostgreSQL, or not known to have — and
// queues them ahead of anything new.
func (l *AuditLog) openSpool(path string) error {
	s, recs, err := openSpool(path)
	if err != nil {
		return err
	}
	started := map[string]AuditEntry{}
	var order []string
	for _, r := range recs {
		if _, seen := started[r.Entry.ID]; !seen {
			order = append(order, r.Entry.ID)
		}
		if r.Kind == spoolStart {
			if _, seen := started[r.Entry.ID]; !seen {
				e := r.Entry
				e.Outcome = InterruptedOutcome
				started[e.ID] = e
			}
			continue
		}
		started[r.Entry.ID] = r.Entry
	}
	for _, id := range order {
		l.pending = append(l.pending, started[id])
		l.replayed[id] = true
	}
	l.spool = s
	if len(order) > 0 {
		l.log.Info("analyst audit entries read back from the spool", "entries", len(order))
	}
	return nil
}

// compact replaces the spool by what PostgreSQL does not hold yet: the
// starts of running queries and the ends still queued. Called with l.mu
// held; a failure leaves the longer spool, which a replay deduplicates.
func (l *AuditLog) compact() {
	if l.spool == nil {
		return
	}
	recs := make([]spoolRecord, 0, len(l.open)+len(l.pending))
	for _, e := range l.open {
		recs = append(recs, spoolRecord{Kind: spoolStart, Entry: e})
	}
	for _, e := range l.pending {
		recs = append(recs, spoolRecord{Kind: spoolEnd, Entry: e})
	}
	if err := l.spool.replace(recs); err != nil {
		l.log.Warn("analyst audit spool not compacted", "err", err)
	}
}

func (l *AuditLog) closeSpool() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.spool != nil {
		if err := l.spool.close(); err != nil {
			l.log.Warn("close analyst audit spool", "err", err)
		}
		l.spool = nil
	}
}

// writtenSQL finds which of the entry ids ($2) an organisation's audit
// log already holds, read as its auditor; the entries were appended after
// they started ($1 bounds the partitions and the BRIN range scanned).
const writtenSQL = `SELECT new_values->>'entry_id' FROM audit.staff_audit_log
WHERE action = 'analyst_query' AND occurred_at >= $1 AND new_values->>'entry_id' = ANY ($2)`

// unwritten leaves out the replayed entries PostgreSQL already holds.
func (l *AuditLog) unwritten(ctx context.Context, tx pgx.Tx, entries []AuditEntry) ([]AuditEntry, error) {
	l.mu.Lock()
	byOrg := map[int64][]AuditEntry{}
	for _, e := range entries {
		if l.replayed[e.ID] {
			byOrg[e.Principal.OrganisationID] = append(byOrg[e.Principal.OrganisationID], e)
		}
	}
	l.mu.Unlock()
	if len(byOrg) == 0 {
		return entries, nil
	}
	written := map[string]bool{}
	for org, es := range byOrg {
		since := es[0].At
		ids := make([]string, len(es))
		for i, e := range es {
			ids[i] = e.ID
			if e.At.Before(since) {
				since = e.At
			}
		}
		if _, err := tx.Exec(ctx, auditSetupSQL, "cch_auditor", "0", strconv.FormatInt(org, 10), "", "", "auditor"); err != nil {
			return nil, fmt.Errorf("read back analyst audit entries: %w", err)
		}
		rows, err := tx.Query(ctx, writtenSQL, since.Add(-time.Hour), ids)
		if err != nil {
			return nil, fmt.Errorf("read back analyst audit entries: %w", err)
		}
		have, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("read back analyst audit entries: %w", err)
		}
		for _, id := range have {
			written[id] = true
		}
	}
	if len(written) > 0 {
		l.log.Info("analyst audit entries already written before a restart", "entries", len(written))
	}
	return slices.DeleteFunc(slices.Clone(entries), func(e AuditEntry) bool { return written[e.ID] }), nil
}

// newEntryID is a random entry id.
func newEntryID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
