package analyst_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/analyst"
)

// While PostgreSQL cannot be reached, entries stay queued for the next
// write, and a full queue says so (analyst queries then stop).
func TestAuditLogKeepsEntriesUntilWritten(t *testing.T) {
	cfg, err := pgxpool.ParseConfig("postgres://cch_app@127.0.0.1:1/cch?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	l, err := analyst.OpenAuditLog(context.Background(), cfg, analyst.AuditOptions{MaxPending: 2})
	if err != nil {
		t.Fatal(err)
	}
	e := analyst.AuditEntry{Caller: analyst.Caller{Principal: oltp.Principal{StaffID: 1, OrganisationID: 1, Role: "manager"},
		RequestID: "r1", Channel: "sql/json"}, At: time.Now(), Outcome: "ok"}
	l.Record(e)
	if l.Full() {
		t.Error("full after one of two")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Flush(ctx); err == nil {
		t.Fatal("a write to an unreachable server succeeded")
	}
	l.Record(e)
	if l.Pending() != 2 || !l.Full() {
		t.Errorf("after a failed write: %d pending, full %v", l.Pending(), l.Full())
	}
	var nilLog *analyst.AuditLog
	nilLog.Record(e) // records nothing, no panic
	if nilLog.Full() {
		t.Error("a nil log is full")
	}
}
