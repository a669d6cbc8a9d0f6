package finance_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/carcarehub/cch/oltp/finance"
)

func TestCreditNotesRefundPaidInvoices(t *testing.T) {
	e := newFinEnv(t)
	inv := e.issued(t, e.draftInvoice(t, e.Fix.Branch, "100.00")) // gross 120.00
	draft := e.draftInvoice(t, e.Fix.Branch, "10.00")
	path := fmt.Sprintf("/v1/invoices/%d/credit-notes", inv.ID)
	credit := func(net any, reason string) map[string]any {
		return map[string]any{"net_amount": net, "reason": reason}
	}

	// Nothing paid yet: nothing to refund.
	wantProblem(t, e.Do(t, "finance", "POST", path, credit("10.00", "Goodwill")), http.StatusConflict, "credit-exceeds-paid")
	res := e.Do(t, "finance", "POST", "/v1/payments", map[string]any{"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer,
		"method": "card", "amount": "60.00", "allocations": []map[string]any{{"invoice_id": inv.ID, "amount": "60.00"}}})
	if res.Status != http.StatusCreated {
		t.Fatalf("pay: %d %s", res.Status, res.Body)
	}

	// A partial refund: net 25.00 and tax in the invoice's proportion (20%).
	res = e.Do(t, "finance", "POST", path, credit("25.00", "Wiper blades not fitted"))
	if res.Status != http.StatusCreated {
		t.Fatalf("credit note: %d %s", res.Status, res.Body)
	}
	var cn finance.CreditNote
	res.JSON(t, &cn)
	if cn.InvoiceID != inv.ID || cn.NetAmount != "25.00" || cn.TaxAmount != "5.00" || cn.GrossAmount != "30.00" ||
		cn.Reason != "Wiper blades not fitted" || cn.IssuedAt.IsZero() {
		t.Errorf("credit note = %+v", cn)
	}
	// 30.00 refunded of 60.00 paid: another 25.00 net (30.00 gross) fits, one cent more does not.
	wantProblem(t, e.Do(t, "finance", "POST", path, credit("25.01", "Rest")), http.StatusConflict, "credit-exceeds-paid")
	if res := e.Do(t, "finance", "POST", path, credit("25.00", "Rest of the job")); res.Status != http.StatusCreated {
		t.Fatalf("second credit note: %d %s", res.Status, res.Body)
	}
	// Fully paid, but the net credited may not exceed the invoice's net.
	res = e.Do(t, "finance", "POST", "/v1/payments", map[string]any{"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer,
		"method": "card", "amount": "60.00", "allocations": []map[string]any{{"invoice_id": inv.ID, "amount": "60.00"}}})
	if res.Status != http.StatusCreated {
		t.Fatalf("pay the rest: %d %s", res.Status, res.Body)
	}
	wantProblem(t, e.Do(t, "finance", "POST", path, credit("50.01", "Everything")), http.StatusConflict, "credit-exceeds-invoice")

	// Bad input, a draft, an unknown invoice, a role without finance rights.
	wantProblem(t, e.Do(t, "finance", "POST", path, credit("-1", "x")), http.StatusUnprocessableEntity, "validation")
	wantProblem(t, e.Do(t, "finance", "POST", path, credit("1.001", "Rounding")), http.StatusUnprocessableEntity, "validation")
	wantProblem(t, e.Do(t, "finance", "POST", fmt.Sprintf("/v1/invoices/%d/credit-notes", draft), credit("1.00", "Draft")),
		http.StatusConflict, "illegal-transition")
	wantProblem(t, e.Do(t, "finance", "POST", "/v1/invoices/999999/credit-notes", credit("1.00", "Unknown")), http.StatusNotFound, "")
	wantProblem(t, e.Do(t, "receptionist", "POST", path, credit("1.00", "Not mine")), http.StatusForbidden, "")

	// Exactly the two credit notes exist, each audited with its actor, and
	// they are immutable.
	if n := e.scalar(t, `SELECT count(*) FROM finance.credit_note WHERE invoice_id = $1`, inv.ID); n != 2 {
		t.Errorf("%d credit notes, want 2", n)
	}
	if n := e.scalar(t, `SELECT count(*) FROM audit.staff_audit_log WHERE table_name = 'finance.credit_note' AND action = 'INSERT'
		AND actor_staff_id IS NOT NULL`); n != 2 {
		t.Errorf("%d audited credit notes with an actor, want 2", n)
	}
	if _, err := e.Admin.Exec(t.Context(), `UPDATE finance.credit_note SET net_amount = 1 WHERE invoice_id = $1`, inv.ID); err == nil {
		t.Error("a credit note was updated")
	}
}
