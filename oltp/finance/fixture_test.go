package finance_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/carcarehub/cch/oltp/finance"
	"github.com/carcarehub/cch/oltp/oltptest"
)

type finEnv struct{ *oltptest.Env }

func newFinEnv(t *testing.T) *finEnv {
	t.Helper()
	return &finEnv{oltptest.New(t, finance.Register)}
}

func (e *finEnv) scalar(t testing.TB, sql string, args ...any) int64 {
	t.Helper()
	var v int64
	if err := e.Admin.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func (e *finEnv) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := e.Admin.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// repairOrder builds a repair order with hand-checkable work:
//
//	job 1 (done, customer): labour 1.5 h × 120.00 = 180.00 (cost 1.5 × 25 = 37.50),
//	  part 2 × 14.99 = 29.98 (cost 2 × 8.40 = 16.80), sublet 50.00
//	job 2 (declined): labour 1 h × 120.00, not invoiced
//	job 3 (done, warranty): labour 2 h × 120.00, not invoiced
func (e *finEnv) repairOrder(t testing.TB) int64 {
	t.Helper()
	f := e.Fix
	ro := e.scalar(t, `INSERT INTO workshop.repair_order (organisation_id, branch_id, customer_id, vehicle_id, status)
		VALUES ($1, $2, $3, $4, 'ready') RETURNING id`, f.Org, f.Branch, f.Customer, f.Vehicle)
	job := func(status, pay, sublet string) int64 {
		return e.scalar(t, `INSERT INTO workshop.repair_job (organisation_id, branch_id, repair_order_id, job_category, concern, status, pay_type, sublet_cost)
			VALUES ($1, $2, $3, 'service', 'Annual service', $4, $5, $6) RETURNING id`, f.Org, f.Branch, ro, status, pay, sublet)
	}
	labour := func(job int64, hours string) {
		e.exec(t, `INSERT INTO workshop.labour_line (organisation_id, branch_id, repair_job_id, description, sold_hours, labour_rate,
			sale_amount, cost_rate, cost_amount) VALUES ($1, $2, $3, 'Service labour', $4::numeric, 120, $4::numeric * 120, 25, $4::numeric * 25)`,
			f.Org, f.Branch, job, hours)
	}
	j1 := job("done", "customer", "50")
	labour(j1, "1.5")
	part := e.scalar(t, `INSERT INTO inventory.part (organisation_id, part_number, name) VALUES ($1, 'OIL-5W30', 'Engine oil') RETURNING id`, f.Org)
	e.exec(t, `INSERT INTO workshop.part_line (organisation_id, branch_id, repair_job_id, part_id, quantity, unit_cost, unit_price, sale_amount)
		VALUES ($1, $2, $3, $4, 2, 8.40, 14.99, 29.98)`, f.Org, f.Branch, j1, part)
	labour(job("declined", "customer", "0"), "1")
	labour(job("done", "warranty", "0"), "2")
	return ro
}

// draftInvoice inserts a draft invoice at branch with one fee line of net
// amount net (20% tax).
func (e *finEnv) draftInvoice(t testing.TB, branch int64, net string) int64 {
	t.Helper()
	id := e.scalar(t, `INSERT INTO finance.invoice (organisation_id, branch_id, customer_id, status, net_total, tax_total, gross_total)
		VALUES ($1, $2, $3, 'draft', $4::numeric, round($4::numeric * 0.2, 2), $4::numeric + round($4::numeric * 0.2, 2)) RETURNING id`,
		e.Fix.Org, branch, e.Fix.Customer, net)
	e.exec(t, `INSERT INTO finance.invoice_line (organisation_id, invoice_id, line_number, kind, description, unit_price, net_amount, tax_rate, tax_amount)
		VALUES ($1, $2, 1, 'fee', 'Diagnostic', $3::numeric, $3::numeric, 0.2, round($3::numeric * 0.2, 2))`, e.Fix.Org, id, net)
	return id
}

// issued issues invoice id through the API.
func (e *finEnv) issued(t testing.TB, id int64) finance.Invoice {
	t.Helper()
	res := e.Do(t, "finance", "POST", fmt.Sprintf("/v1/invoices/%d/issue", id), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("issue %d: %d %s", id, res.Status, res.Body)
	}
	var v finance.Invoice
	res.JSON(t, &v)
	return v
}

func (e *finEnv) invoice(t testing.TB, id int64) finance.Invoice {
	t.Helper()
	res := e.Do(t, "finance", "GET", fmt.Sprintf("/v1/invoices/%d", id), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("get invoice %d: %d %s", id, res.Status, res.Body)
	}
	var v finance.Invoice
	res.JSON(t, &v)
	return v
}

func wantProblem(t testing.TB, res oltptest.Response, status int, kind string) {
	t.Helper()
	if res.Status != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") ||
		(kind != "" && !strings.Contains(string(res.Body), `/problems/`+kind+`"`)) {
		t.Errorf("want %d %s problem, got %d %s %s", status, kind, res.Status, res.Header.Get("Content-Type"), res.Body)
	}
}
