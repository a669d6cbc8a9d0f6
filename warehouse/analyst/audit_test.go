package analyst_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/carcarehub/cch/warehouse/analyst"
)

// auditWant is the audit entry one analyst query must leave.
type auditWant struct {
	role, channel, query, outcome string
	rows                          int64
}

// testAudit: every analyst query — JSON, CSV, Arrow, Flight SQL, refused
// or failed — leaves one entry in PostgreSQL's hash-chained audit log with
// the caller's staff, role, organisation and request id, the query's
// SHA-256 and row count; the chain still verifies.
func testAudit(t *testing.T, s *stack) {
	want := map[string]auditWant{
		"audit-json":   {"manager", "sql/json", "SELECT range AS audited FROM range(3)", "ok", 3},
		"audit-csv":    {"finance", "sql/csv", "SELECT range AS audited FROM range(4)", "ok", 4},
		"audit-arrow":  {"auditor", "sql/arrow", "SELECT range AS audited FROM range(5)", "ok", 5},
		"audit-bad":    {"manager", "sql/json", "SELEC 1", "bad-sql", 0},
		"audit-flight": {"auditor", "flight-sql", "SELECT range AS audited FROM range(6)", "ok", 6},
	}
	accept := map[string]string{"sql/json": "application/json", "sql/csv": "text/csv", "sql/arrow": analyst.MIMEArrowStream}
	for id, w := range want {
		if w.channel == "flight-sql" {
			continue
		}
		s.requestID = id
		r := s.do(t, w.role, "POST", "/v1/sql", map[string]string{"query": w.query}, accept[w.channel])
		s.requestID = ""
		if (r.status == 200) != (w.outcome == "ok") || r.header.Get("X-Request-ID") != id {
			t.Fatalf("%s: status %d, request id %q: %s", id, r.status, r.header.Get("X-Request-ID"), r.body)
		}
	}
	cl, actx, stop := flightClient(t, s, "auditor")
	defer stop()
	info, err := cl.Execute(actx, want["audit-flight"].query)
	if err != nil {
		t.Fatal(err)
	}
	fetch(t, metadata.AppendToOutgoingContext(actx, "x-request-id", "audit-flight"), cl, info)

	got := waitAudit(t, s, len(want))
	for id, w := range want {
		g, ok := got[id]
		sum := sha256.Sum256([]byte(w.query))
		exp := fmt.Sprint(s.env.Fix.Staff[w.role], " ", w.role, " cch_", w.role, " ", s.env.Fix.Org, " ",
			hex.EncodeToString(sum[:]), " ", w.rows, " ", w.outcome, " ", w.channel)
		if !ok || g != exp {
			t.Errorf("%s: audit entry %q, want %q", id, g, exp)
		}
	}
	var broken int
	if err := s.env.Admin.QueryRow(context.Background(), "SELECT count(*) FROM audit.verify_chain(NULL)").Scan(&broken); err != nil || broken != 0 {
		t.Errorf("audit.verify_chain: %d broken links (%v)", broken, err)
	}
}

// waitAudit waits (bounded) until n audit-* entries are written and
// returns them by request id, rendered as auditWant compares.
func waitAudit(t *testing.T, s *stack, n int) map[string]string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		rows, err := s.env.Admin.Query(context.Background(), `SELECT request_id, concat_ws(' ', actor_staff_id, actor_role, db_role,
			organisation_id, new_values->>'query_sha256', new_values->>'rows', new_values->>'outcome', new_values->>'channel')
			FROM audit.staff_audit_log WHERE action = $1 AND request_id LIKE 'audit-%'`, analyst.AuditAction)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for rows.Next() {
			var id, entry string
			if err := rows.Scan(&id, &entry); err != nil {
				t.Fatal(err)
			}
			if _, dup := got[id]; dup {
				t.Errorf("two audit entries for request %s", id)
			}
			got[id] = entry
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}
