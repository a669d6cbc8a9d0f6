package migrations_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestAuditLog: sensitive changes are captured with actor, role and request
// id and without PII; the log rejects UPDATE, DELETE and TRUNCATE from
// everyone; concurrent writers keep one chain; verification finds rows a
// superuser tampered with.
func TestAuditLog(t *testing.T) {
	d := newSchemaDB(t)
	ctx := context.Background()
	finance := actor{role: "cch_finance", appRole: "finance", org: orgA, staff: staffFinance, branches: "10", requestID: "req-fin-1"}
	reception := actor{role: "cch_receptionist", appRole: "receptionist", org: orgA, staff: staffReception, branches: "10", requestID: "req-desk-1"}
	exec := func(a actor, sql string) {
		t.Helper()
		if err := inTx(t, d.login, a, true, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql)
			return err
		}); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(finance, "UPDATE finance.invoice SET due_at = '2027-01-01Z' WHERE id = 950")
	exec(reception, "UPDATE core.customer SET phone = '07999 123456', given_name = 'Adaline' WHERE id = 1000")

	t.Run("captures actor, role and request id", func(t *testing.T) {
		var staff int64
		var role, dbRole, request, newValues string
		err := d.super.QueryRow(ctx, `SELECT actor_staff_id, actor_role, db_role, request_id, new_values::text
			FROM audit.staff_audit_log WHERE table_name = 'finance.invoice' AND action = 'UPDATE'`).
			Scan(&staff, &role, &dbRole, &request, &newValues)
		if err != nil {
			t.Fatal(err)
		}
		if staff != staffFinance || role != "finance" || dbRole != "cch_finance" || request != "req-fin-1" {
			t.Fatalf("got staff %d role %q db role %q request %q", staff, role, dbRole, request)
		}
		if !strings.Contains(newValues, "due_at") || strings.Contains(newValues, "customer_id") {
			t.Fatalf("new_values = %s; want only the changed column", newValues)
		}
	})
	t.Run("keeps PII out of the diff", func(t *testing.T) {
		var oldValues, newValues string
		err := d.super.QueryRow(ctx, `SELECT old_values::text, new_values::text FROM audit.staff_audit_log
			WHERE table_name = 'core.customer' AND action = 'UPDATE' AND request_id = 'req-desk-1'`).Scan(&oldValues, &newValues)
		if err != nil {
			t.Fatal(err)
		}
		for _, pii := range []string{"0700", "07999", "Ada"} {
			if strings.Contains(oldValues+newValues, pii) {
				t.Fatalf("PII %q in diff: old %s new %s", pii, oldValues, newValues)
			}
		}
		if !strings.Contains(newValues, `"phone": "[redacted]"`) {
			t.Fatalf("new_values = %s; want the changed PII column marked [redacted]", newValues)
		}
	})

	someID := queryInt(t, d.super, "SELECT min(id) FROM audit.staff_audit_log")
	rejects := []struct {
		name string
		as   *actor // nil: superuser
		sql  string
	}{
		{"superuser update", nil, "UPDATE audit.staff_audit_log SET action = 'x' WHERE id = " + fmt.Sprint(someID)},
		{"superuser delete", nil, "DELETE FROM audit.staff_audit_log WHERE id = " + fmt.Sprint(someID)},
		{"superuser truncate", nil, "TRUNCATE audit.staff_audit_log"},
		{"superuser update booking history", nil, "UPDATE audit.booking_history SET to_status = 'cancelled'"},
		{"finance update", &finance, "UPDATE audit.staff_audit_log SET action = 'x'"},
		{"finance insert", &finance, "INSERT INTO audit.staff_audit_log (organisation_id, actor_role, db_role, action, hash) VALUES (1, 'x', 'x', 'x', '')"},
		{"manager delete", &actor{role: "cch_manager", org: orgA}, "DELETE FROM audit.staff_audit_log"},
	}
	for _, r := range rejects {
		t.Run("rejects "+r.name, func(t *testing.T) {
			var err error
			if r.as == nil {
				_, err = d.super.Exec(ctx, r.sql)
			} else {
				_, err = rowsAs(t, d.login, *r.as, r.sql)
			}
			if sqlState(err) != "42501" {
				t.Fatalf("error = %v; want SQLSTATE 42501", err)
			}
		})
	}

	t.Run("concurrent writers keep one chain", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn, err := pgx.Connect(ctx, d.url)
				if err != nil {
					errs <- err
					return
				}
				defer conn.Close(ctx)
				for j := range 5 {
					_, err := conn.Exec(ctx, `INSERT INTO finance.payment (organisation_id, branch_id, customer_id, method, amount)
						VALUES (1, 10, 1000, 'card', $1)`, 1+i*10+j)
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		assertChainIntact(t, d)
	})

	t.Run("auditor verifies their organisation", func(t *testing.T) {
		n, err := rowsAs(t, d.login, actor{role: "cch_auditor", org: orgA}, "SELECT * FROM audit.verify_chain()")
		if err != nil || n != 0 {
			t.Fatalf("broken links = %d, err = %v; want 0", n, err)
		}
	})

	tampers := []struct {
		name    string
		sql     string // %d = the entry id
		problem string
		next    bool // the break shows on the following entry
	}{
		{"modified entry", `UPDATE audit.staff_audit_log SET new_values = '{"due_at": "2099-01-01"}' WHERE id = %d`, "modified", false},
		{"deleted entry", `DELETE FROM audit.staff_audit_log WHERE id = %d`, "deleted", true},
	}
	for _, tc := range tampers {
		t.Run("verification finds a "+tc.name, func(t *testing.T) {
			ids := queryInt(t, d.super, "SELECT count(*) FROM audit.staff_audit_log WHERE organisation_id = 1")
			if ids < 3 {
				t.Fatalf("only %d entries", ids)
			}
			var victim, want int64
			if err := d.super.QueryRow(ctx, `SELECT id, lead(id) OVER (ORDER BY id) FROM audit.staff_audit_log
				WHERE organisation_id = 1 ORDER BY id OFFSET 1 LIMIT 1`).Scan(&victim, &want); err != nil {
				t.Fatal(err)
			}
			if !tc.next {
				want = victim
			}
			tamper(t, d, fmt.Sprintf(tc.sql, victim))
			var got int64
			var problem string
			if err := d.super.QueryRow(ctx, "SELECT entry_id, problem FROM audit.verify_chain(1)").Scan(&got, &problem); err != nil {
				t.Fatalf("verify_chain: %v", err)
			}
			if got != want || !strings.Contains(problem, tc.problem) {
				t.Fatalf("first broken link = %d (%s); want %d (%s)", got, problem, want, tc.problem)
			}
		})
	}
}

// tamper runs sql as the superuser with triggers disabled for the session,
// the way an attacker with superuser access would bypass the APPEND rule.
func tamper(t testing.TB, d *schemaDB, sql string) {
	t.Helper()
	ctx := context.Background()
	tx, err := d.super.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, s := range []string{"SET LOCAL session_replication_role = replica", sql} {
		if _, err := tx.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func assertChainIntact(t testing.TB, d *schemaDB) {
	t.Helper()
	rows, err := d.super.Query(context.Background(), "SELECT entry_id, problem FROM audit.verify_chain()")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var problem string
		if err := rows.Scan(&id, &problem); err != nil {
			t.Fatal(err)
		}
		t.Fatalf("chain broken at %d: %s", id, problem)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
