package finance_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp/finance"
)

func TestPaymentsSplitPartialAndOverAllocation(t *testing.T) {
	e := newFinEnv(t)
	a := e.issued(t, e.draftInvoice(t, e.Fix.Branch, "100.00")) // gross 120.00
	b := e.issued(t, e.draftInvoice(t, e.Fix.Branch, "50.00"))  // gross 60.00
	draft := e.draftInvoice(t, e.Fix.Branch, "10.00")
	pay := func(amount any, allocs ...map[string]any) map[string]any {
		return map[string]any{"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer, "method": "card",
			"amount": amount, "reference": "auth 123", "allocations": allocs}
	}
	alloc := func(id int64, amount any) map[string]any { return map[string]any{"invoice_id": id, "amount": amount} }
	res := e.Do(t, "finance", "POST", "/v1/payments", pay("100.00", alloc(a.ID, "70.00"), alloc(b.ID, 25.5)))
	if res.Status != http.StatusCreated {
		t.Fatalf("split payment: %d %s", res.Status, res.Body)
	}
	var p finance.Payment
	res.JSON(t, &p)
	if p.Amount != "100.00" || p.Unallocated != "4.50" || len(p.Allocations) != 2 {
		t.Errorf("payment = %+v", p)
	}
	if got := e.invoice(t, a.ID); got.Paid != "70.00" || got.Outstanding != "50.00" || len(got.Allocations) != 1 {
		t.Errorf("invoice a = paid %s outstanding %s", got.Paid, got.Outstanding)
	}
	if got := e.invoice(t, b.ID); got.Outstanding != "34.50" {
		t.Errorf("invoice b outstanding = %s", got.Outstanding)
	}
	before := e.Count(t, "finance.payment") + e.Count(t, "finance.payment_allocation")
	wantProblem(t, e.Do(t, "finance", "POST", "/v1/payments", pay("40.00", alloc(a.ID, "30.00"), alloc(b.ID, "10.01"))), 422, "validation")
	wantProblem(t, e.Do(t, "finance", "POST", "/v1/payments", pay("100.00", alloc(a.ID, "50.01"))), 409, "over-allocation")
	wantProblem(t, e.Do(t, "finance", "POST", "/v1/payments", pay("10.00", alloc(b.ID, "5"), alloc(a.ID, "5"), alloc(a.ID, "1"))), 422, "validation")
	wantProblem(t, e.Do(t, "finance", "POST", "/v1/payments", pay("12.00", alloc(draft, "12.00"))), 409, "invoice-not-payable")
	wantProblem(t, e.Do(t, "finance", "POST", "/v1/payments", pay("12.00", alloc(424242, "12.00"))), 404, "not-found")
	for _, when := range []string{"9999-01-01T00:00:00Z", "1970-01-01T00:00:00Z", time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)} {
		body := pay("12.00", alloc(a.ID, "12.00"))
		body["received_at"] = when
		before := e.Count(t, "finance.payment")
		wantProblem(t, e.Do(t, "finance", "POST", "/v1/payments", body), 422, "validation")
		if after := e.Count(t, "finance.payment"); after != before {
			t.Errorf("payment received at %s written", when)
		}
	}
	if after := e.Count(t, "finance.payment") + e.Count(t, "finance.payment_allocation"); after != before {
		t.Errorf("refused payments wrote rows: %d → %d", before, after)
	}
	wantProblem(t, e.Do(t, "finance", "POST", fmt.Sprintf("/v1/invoices/%d/void", a.ID), map[string]any{"reason": "dispute"}), 409, "invoice-has-payments")
	if got := e.Do(t, "manager", "GET", fmt.Sprintf("/v1/payments/%d", p.ID), nil); got.Status != http.StatusOK {
		t.Errorf("read payment: %d %s", got.Status, got.Body)
	}
}

func TestConcurrentAllocationsNeverOverAllocate(t *testing.T) {
	e := newFinEnv(t)
	inv := e.issued(t, e.draftInvoice(t, e.Fix.Branch, "50.00")) // gross 60.00
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := e.Do(t, "finance", "POST", "/v1/payments", map[string]any{"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer,
				"method": "cash", "amount": "10.00", "allocations": []map[string]any{{"invoice_id": inv.ID, "amount": "10.00"}}})
			switch res.Status {
			case http.StatusCreated:
				mu.Lock()
				ok++
				mu.Unlock()
			case http.StatusConflict:
			default:
				t.Errorf("payment: %d %s", res.Status, res.Body)
			}
		}()
	}
	wg.Wait()
	got := e.invoice(t, inv.ID)
	if ok != 6 || got.Paid != "60.00" || got.Outstanding != "0.00" {
		t.Errorf("%d payments accepted, paid %s, outstanding %s; want 6, 60.00, 0.00", ok, got.Paid, got.Outstanding)
	}
}

func TestFinanceRoleMatrix(t *testing.T) {
	e := newFinEnv(t)
	inv := e.issued(t, e.draftInvoice(t, e.Fix.Branch, "10.00"))
	body := map[string]any{"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer, "method": "card", "amount": "1.00",
		"allocations": []map[string]any{}}
	for _, role := range []string{"technician", "receptionist", "dispatcher", "chauffeur", "auditor"} {
		t.Run(role, func(t *testing.T) {
			wantProblem(t, e.Do(t, role, "GET", fmt.Sprintf("/v1/invoices/%d", inv.ID), nil), 403, "forbidden")
			wantProblem(t, e.Do(t, role, "POST", "/v1/invoices", map[string]any{"repair_order_id": 1}), 403, "forbidden")
			wantProblem(t, e.Do(t, role, "POST", fmt.Sprintf("/v1/invoices/%d/void", inv.ID), map[string]any{"reason": "nope"}), 403, "forbidden")
			wantProblem(t, e.Do(t, role, "POST", "/v1/payments", body), 403, "forbidden")
		})
	}
	if n := e.Count(t, "finance.payment"); n != 0 {
		t.Errorf("%d payments written by forbidden roles", n)
	}
	for _, role := range []string{"finance", "manager"} {
		if res := e.Do(t, role, "GET", fmt.Sprintf("/v1/invoices/%d", inv.ID), nil); res.Status != http.StatusOK {
			t.Errorf("%s read: %d", role, res.Status)
		}
	}
}

func TestPaymentBadInput(t *testing.T) {
	e := newFinEnv(t)
	base := func(k string, v any) map[string]any {
		m := map[string]any{"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer, "method": "card", "amount": "10.00"}
		m[k] = v
		return m
	}
	cases := []struct {
		name   string
		body   any
		status int
	}{
		{"malformed", `{"amount": "1`, 400},
		{"unknown field", base("currency", "GBP"), 400},
		{"three decimals", base("amount", "10.005"), 422},
		{"float rounding bait", `{"branch_id": 1, "customer_id": 1, "method": "card", "amount": 0.30000000000000004}`, 422},
		{"zero", base("amount", 0), 422},
		{"negative", base("amount", "-5.00"), 422},
		{"method", base("method", "bitcoin"), 422},
		{"other tenant's customer", base("customer_id", e.Fix.OtherCustomer), 404},
		{"other tenant's branch", base("branch_id", e.Fix.OtherBranch), 404},
		{"negative allocation", base("allocations", []map[string]any{{"invoice_id": 1, "amount": "-1.00"}}), 422},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantProblem(t, e.Do(t, "finance", "POST", "/v1/payments", c.body), c.status, "")
		})
	}
	if n := e.Count(t, "finance.payment"); n != 0 {
		t.Errorf("%d payments written by bad requests", n)
	}
}
