package finance_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/finance"
)

func TestListInvoicesAndPayments(t *testing.T) {
	e := newFinEnv(t)
	a := e.issued(t, e.draftInvoice(t, e.Fix.Branch, "100.00"))
	b := e.issued(t, e.draftInvoice(t, e.Fix.Branch, "50.00"))
	draft := e.draftInvoice(t, e.Fix.Branch, "10.00")
	// Another organisation's invoice, which row-level security hides.
	other := e.scalar(t, `INSERT INTO finance.invoice (organisation_id, branch_id, customer_id, status, net_total, tax_total, gross_total)
		VALUES ($1, $2, $3, 'draft', 10, 2, 12) RETURNING id`, e.Fix.OtherOrg, e.Fix.OtherBranch, e.Fix.OtherCustomer)

	invoices := func(query string) ([]int64, oltp.Collection[finance.InvoiceSummary]) {
		t.Helper()
		res := e.Do(t, "finance", "GET", "/v1/invoices"+query, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("GET /v1/invoices%s: %d %s", query, res.Status, res.Body)
		}
		var col oltp.Collection[finance.InvoiceSummary]
		res.JSON(t, &col)
		var ids []int64
		for _, v := range col.Items {
			ids = append(ids, v.ID)
		}
		return ids, col
	}
	if ids, _ := invoices(""); !slices.Equal(ids, []int64{a.ID, b.ID, draft}) {
		t.Errorf("all invoices: %v, want %v (not %d of another organisation)", ids, []int64{a.ID, b.ID, draft}, other)
	}
	if ids, col := invoices("?status=issued&branch_id=" + fmt.Sprint(e.Fix.Branch)); !slices.Equal(ids, []int64{a.ID, b.ID}) ||
		col.Items[0].GrossTotal != "120.00" || col.Items[0].Outstanding != "120.00" || col.Items[0].InvoiceNumber == nil {
		t.Errorf("issued invoices: %v %+v", ids, col.Items)
	}
	// Keyset pages: two, then the rest, then no cursor.
	ids, col := invoices("?limit=2")
	if !slices.Equal(ids, []int64{a.ID, b.ID}) || col.NextCursor == "" {
		t.Fatalf("first page: %v cursor %q", ids, col.NextCursor)
	}
	if ids, col := invoices("?limit=2&cursor=" + col.NextCursor); !slices.Equal(ids, []int64{draft}) || col.NextCursor != "" {
		t.Errorf("second page: %v cursor %q", ids, col.NextCursor)
	}
	for _, q := range []string{"?status=paid", "?customer_id=abc", "?branch_id=-1", "?limit=0", "?cursor=zzz"} {
		wantProblem(t, e.Do(t, "finance", "GET", "/v1/invoices"+q, nil), http.StatusBadRequest, "bad-request")
	}

	// Payments carry their allocations.
	res := e.Do(t, "finance", "POST", "/v1/payments", map[string]any{"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer,
		"method": "card", "amount": "100.00", "allocations": []map[string]any{{"invoice_id": a.ID, "amount": "70.00"}, {"invoice_id": b.ID, "amount": "30.00"}}})
	if res.Status != http.StatusCreated {
		t.Fatalf("payment: %d %s", res.Status, res.Body)
	}
	res = e.Do(t, "finance", "POST", "/v1/payments", map[string]any{"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer,
		"method": "cash", "amount": "5.00", "allocations": []map[string]any{}})
	if res.Status != http.StatusCreated {
		t.Fatalf("payment: %d %s", res.Status, res.Body)
	}
	res = e.Do(t, "manager", "GET", fmt.Sprintf("/v1/payments?customer_id=%d", e.Fix.Customer), nil)
	var pays oltp.Collection[finance.Payment]
	res.JSON(t, &pays)
	if res.Status != http.StatusOK || len(pays.Items) != 2 || len(pays.Items[0].Allocations) != 2 || pays.Items[0].Unallocated != "0.00" ||
		pays.Items[1].Allocations == nil || len(pays.Items[1].Allocations) != 0 {
		t.Fatalf("payments: %d %s", res.Status, res.Body)
	}
	res = e.Do(t, "finance", "GET", "/v1/payments?method=cash", nil)
	res.JSON(t, &pays)
	if len(pays.Items) != 1 || pays.Items[0].Method != "cash" {
		t.Errorf("cash payments: %s", res.Body)
	}
	wantProblem(t, e.Do(t, "finance", "GET", "/v1/payments?method=bitcoin", nil), http.StatusBadRequest, "bad-request")
	if ids, col := invoices("?status=issued"); len(ids) != 2 || col.Items[0].Outstanding != "50.00" || col.Items[1].Outstanding != "30.00" {
		t.Errorf("balances after the payment: %+v", col.Items)
	}
	for _, role := range []string{"technician", "receptionist", "dispatcher", "chauffeur", "auditor"} {
		wantProblem(t, e.Do(t, role, "GET", "/v1/invoices", nil), http.StatusForbidden, "forbidden")
		wantProblem(t, e.Do(t, role, "GET", "/v1/payments", nil), http.StatusForbidden, "forbidden")
	}
}
