package e2e_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/customers"
	"github.com/carcarehub/cch/oltp/finance"
	"github.com/carcarehub/cch/oltp/inventory"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
)

func must(t *testing.T, res oltptest.Response, status int, what string) oltptest.Response {
	t.Helper()
	if res.Status != status {
		t.Fatalf("%s: %d, want %d: %s", what, res.Status, status, res.Body)
	}
	return res
}

// TestWorkshopDay: book → check in → approve the job → clock on/off →
// complete → labour and parts → invoice → issue → payment → feedback.
func TestWorkshopDay(t *testing.T) {
	workshopDay(t, oltptest.New(t, customers.Register, workshop.Register, inventory.Register, finance.Register))
}

// workshopDay drives the day through e's API.
func workshopDay(t *testing.T, e *oltptest.Env) {
	var part int64
	if err := e.Admin.QueryRow(t.Context(), `INSERT INTO inventory.part (organisation_id, part_number, name) VALUES ($1, 'OF-1', 'Oil filter') RETURNING id`,
		e.Fix.Org).Scan(&part); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Admin.Exec(t.Context(), `INSERT INTO inventory.stock_level (organisation_id, branch_id, part_id, on_hand, reorder_point, reorder_qty, average_cost)
		VALUES ($1, $2, $3, 5, 1, 5, 4.20)`, e.Fix.Org, e.Fix.Branch, part); err != nil {
		t.Fatal(err)
	}
	res := must(t, e.Do(t, "receptionist", "POST", "/v1/bookings", map[string]any{
		"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer, "vehicle_id": e.Fix.Vehicle,
		"starts_at": e.Fix.Day.Add(9 * time.Hour).Format(time.RFC3339), "duration_minutes": 90,
		"bay_id": e.Fix.Bays[0], "technician_id": e.Fix.Technicians[0], "labour_operation_codes": []string{"SRV-A"}, "notes": ""}), 201, "book")
	var b workshop.Booking
	res.JSON(t, &b)
	res = must(t, e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/bookings/%d/check-in", b.ID), map[string]any{"odometer_miles": 31000},
		"If-Match", res.Header.Get("ETag")), 201, "check in")
	var ro workshop.RepairOrder
	res.JSON(t, &ro)
	var d workshop.RepairOrderDetail
	must(t, e.Do(t, "receptionist", "GET", fmt.Sprintf("/v1/repair-orders/%d", ro.ID), nil), 200, "read RO").JSON(t, &d)
	job := d.Jobs[0]
	must(t, e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-orders/%d/status", ro.ID), map[string]any{"status": "authorised"},
		"If-Match", oltp.ETag(d.ID, d.Version)), 200, "authorise")
	must(t, e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/approve", job.ID), map[string]any{}, "If-Match", oltp.ETag(job.ID, job.Version)), 200, "approve job")
	must(t, e.Do(t, "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/clock-on", job.ID), map[string]any{}), 201, "clock on")
	must(t, e.Do(t, "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/clock-off", job.ID), map[string]any{}), 200, "clock off")
	must(t, e.Do(t, "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/complete", job.ID), map[string]any{"correction": "oil and filter changed"}), 200, "complete")
	must(t, e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/labour-lines", job.ID), map[string]any{"sold_hours": 1.5}), 201, "labour")
	must(t, e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/part-lines", job.ID), map[string]any{"part_id": part, "quantity": "1", "unit_price": "12.50"}), 201, "part")
	// Labour 1.5 h × 120 = 180.00, part 12.50: net 192.50; tax at the organisation's rate.
	var inv finance.Invoice
	must(t, e.Do(t, "finance", "POST", "/v1/invoices", map[string]any{"repair_order_id": ro.ID}), 201, "invoice").JSON(t, &inv)
	if inv.NetTotal != "192.50" {
		t.Fatalf("net total %s, want 192.50: %+v", inv.NetTotal, inv)
	}
	must(t, e.Do(t, "finance", "POST", fmt.Sprintf("/v1/invoices/%d/issue", inv.ID), nil), 200, "issue").JSON(t, &inv)
	if inv.InvoiceNumber == nil || *inv.InvoiceNumber != 1 {
		t.Errorf("invoice number %v, want 1", inv.InvoiceNumber)
	}
	must(t, e.Do(t, "finance", "POST", "/v1/payments", map[string]any{"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer,
		"method": "card", "amount": string(inv.GrossTotal), "allocations": []map[string]any{{"invoice_id": inv.ID, "amount": string(inv.GrossTotal)}}}), 201, "pay")
	must(t, e.Do(t, "finance", "GET", fmt.Sprintf("/v1/invoices/%d", inv.ID), nil), 200, "read invoice").JSON(t, &inv)
	if inv.Outstanding != "0.00" {
		t.Errorf("outstanding %s after full payment", inv.Outstanding)
	}
	csat := 5
	must(t, e.Do(t, "receptionist", "POST", "/v1/feedback", map[string]any{"customer_id": e.Fix.Customer, "repair_order_id": ro.ID, "csat_score": csat, "nps_score": 9}), 201, "feedback")
	var onHand string
	e.Admin.QueryRow(t.Context(), `SELECT on_hand::text FROM inventory.stock_level WHERE part_id = $1`, part).Scan(&onHand)
	if onHand != "4.000" {
		t.Errorf("stock after fitting one part: %s", onHand)
	}
}
