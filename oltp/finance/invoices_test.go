package finance_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/carcarehub/cch/oltp/finance"
)

func TestInvoiceFromRepairOrder(t *testing.T) {
	e := newFinEnv(t)
	ro := e.repairOrder(t)
	res := e.Do(t, "finance", "POST", "/v1/invoices", map[string]any{"repair_order_id": ro, "due_days": 14,
		"extra_lines": []map[string]any{
			{"kind": "fee", "description": "Environmental disposal", "unit_price": "3.33"},
			{"kind": "discount", "description": "Loyalty", "unit_price": 10}}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var v finance.Invoice
	res.JSON(t, &v)
	// Net 180.00 + 29.98 + 50.00 + 3.33 - 10.00 = 253.31; tax per line at
	// 20%: 36.00 + 6.00 (5.996) + 10.00 + 0.67 (0.666) - 2.00 = 50.67.
	if v.Status != "draft" || v.NetTotal != "253.31" || v.TaxTotal != "50.67" || v.GrossTotal != "303.98" ||
		v.Outstanding != "303.98" || v.Paid != "0.00" || v.InvoiceNumber != nil {
		t.Errorf("draft = %+v", v)
	}
	kinds := ""
	for _, l := range v.Lines {
		kinds += l.Kind + ":" + string(l.NetAmount) + " "
	}
	if want := "labour:180.00 part:29.98 sublet:50.00 fee:3.33 discount:-10.00 "; kinds != want {
		t.Errorf("lines = %q, want %q", kinds, want)
	}
	if v.Lines[0].CostAmount != "37.50" || v.Lines[1].CostAmount != "16.80" {
		t.Errorf("line costs = %s, %s", v.Lines[0].CostAmount, v.Lines[1].CostAmount)
	}
	wantProblem(t, e.Do(t, "finance", "POST", "/v1/invoices", map[string]any{"repair_order_id": ro}), http.StatusConflict, "already-invoiced")
	v = e.issued(t, v.ID)
	if v.Status != "issued" || v.InvoiceNumber == nil || *v.InvoiceNumber != 1 || v.GrossTotal != "303.98" || v.IssuedAt == nil {
		t.Errorf("issued = %+v", v)
	}
	// The repair order is invoiced at the invoice's issue time (the customer
	// journey and every RO-stage analytic read it).
	var roStatus string
	var roInvoicedAt *time.Time
	if err := e.Admin.QueryRow(context.Background(), `SELECT status::text, invoiced_at FROM workshop.repair_order WHERE id = $1`, ro).
		Scan(&roStatus, &roInvoicedAt); err != nil {
		t.Fatal(err)
	}
	if roStatus != "invoiced" || roInvoicedAt == nil || v.IssuedAt == nil || !roInvoicedAt.Equal(*v.IssuedAt) {
		t.Errorf("repair order after issue: status %s, invoiced_at %v; want invoiced at %v", roStatus, roInvoicedAt, v.IssuedAt)
	}
	wantProblem(t, e.Do(t, "finance", "POST", fmt.Sprintf("/v1/invoices/%d/issue", v.ID), nil), http.StatusConflict, "illegal-transition")
	// Immutable once issued, even for the superuser.
	for _, sql := range []string{
		`UPDATE finance.invoice SET net_total = 0, gross_total = tax_total WHERE id = $1`,
		`UPDATE finance.invoice_line SET unit_price = 0 WHERE invoice_id = $1`,
		`DELETE FROM finance.invoice WHERE id = $1`,
	} {
		_, err := e.Admin.Exec(context.Background(), sql, v.ID)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23001" {
			t.Errorf("%s: err = %v, want restrict_violation", sql, err)
		}
	}
	res = e.Do(t, "manager", "POST", fmt.Sprintf("/v1/invoices/%d/void", v.ID), map[string]any{"reason": "wrong customer"})
	if res.Status != http.StatusOK {
		t.Fatalf("void: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &v)
	if v.Status != "void" || v.VoidReason == nil || v.Outstanding != "0.00" || *v.InvoiceNumber != 1 {
		t.Errorf("void = %+v", v)
	}
	wantProblem(t, e.Do(t, "finance", "POST", fmt.Sprintf("/v1/invoices/%d/void", v.ID), map[string]any{"reason": "again"}), http.StatusConflict, "illegal-transition")
	// A voided invoice frees the repair order for a new one.
	if res := e.Do(t, "finance", "POST", "/v1/invoices", map[string]any{"repair_order_id": ro}); res.Status != http.StatusCreated {
		t.Errorf("re-invoice after void: %d %s", res.Status, res.Body)
	}
}

func TestGaplessNumbersUnderConcurrency(t *testing.T) {
	e := newFinEnv(t)
	other := e.scalar(t, `INSERT INTO core.branch (organisation_id, code, name, timezone) VALUES ($1, 'BRS', 'Bristol', 'UTC') RETURNING id`, e.Fix.Org)
	e.exec(t, `INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) VALUES ($1, $2, 'finance', NULL)`, e.Fix.Org, e.Fix.Staff["finance"])
	var ids []int64
	for i := 0; i < 20; i++ {
		ids = append(ids, e.draftInvoice(t, []int64{e.Fix.Branch, other}[i%2], "10.00"))
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res := e.Do(t, "finance", "POST", fmt.Sprintf("/v1/invoices/%d/issue", id), nil); res.Status != http.StatusOK {
				t.Errorf("issue %d: %d %s", id, res.Status, res.Body)
			}
		}()
	}
	wg.Wait()
	for _, b := range []int64{e.Fix.Branch, other} {
		rows, err := e.Admin.Query(context.Background(), `SELECT invoice_number FROM finance.invoice WHERE branch_id = $1`, b)
		if err != nil {
			t.Fatal(err)
		}
		var nums []int
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			nums = append(nums, n)
		}
		sort.Ints(nums)
		if fmt.Sprint(nums) != "[1 2 3 4 5 6 7 8 9 10]" {
			t.Errorf("branch %d numbers = %v, want 1..10", b, nums)
		}
	}
}

func TestInvoiceRejects(t *testing.T) {
	e := newFinEnv(t)
	ro := e.repairOrder(t)
	empty := e.scalar(t, `INSERT INTO workshop.repair_order (organisation_id, branch_id, customer_id, vehicle_id)
		VALUES ($1, $2, $3, $4) RETURNING id`, e.Fix.Org, e.Fix.Branch, e.Fix.Customer, e.Fix.Vehicle)
	cases := []struct {
		name   string
		body   any
		status int
	}{
		{"malformed", `{"repair_order_id": 1`, 400},
		{"unknown field", map[string]any{"repair_order_id": ro, "total": "1.00"}, 400},
		{"wrong type", map[string]any{"repair_order_id": "abc"}, 400},
		{"missing repair order", map[string]any{"repair_order_id": 999999}, 404},
		{"nothing to invoice", map[string]any{"repair_order_id": empty}, 422},
		{"bad due days", map[string]any{"repair_order_id": ro, "due_days": 400}, 422},
		{"bad kind", map[string]any{"repair_order_id": ro, "extra_lines": []map[string]any{{"kind": "labour", "description": "x", "unit_price": "1"}}}, 422},
		{"three decimals", map[string]any{"repair_order_id": ro, "extra_lines": []map[string]any{{"kind": "fee", "description": "x", "unit_price": "1.005"}}}, 422},
		{"injection", map[string]any{"repair_order_id": ro, "extra_lines": []map[string]any{{"kind": "fee'; DROP TABLE finance.invoice; --", "description": "x", "unit_price": "1"}}}, 422},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantProblem(t, e.Do(t, "finance", "POST", "/v1/invoices", c.body), c.status, "")
		})
	}
	if n := e.Count(t, "finance.invoice") + e.Count(t, "finance.invoice_line"); n != 0 {
		t.Errorf("%d rows written by refused requests", n)
	}
	wantProblem(t, e.Do(t, "finance", "GET", "/v1/invoices/abc", nil), 400, "bad-request")
	wantProblem(t, e.Do(t, "finance", "GET", "/v1/invoices/424242", nil), 404, "not-found")
}
