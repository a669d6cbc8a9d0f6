package workshop_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
)

// openRepairOrder books and checks in a vehicle, returning the repair order.
func openRepairOrder(t *testing.T, e *oltptest.Env) workshop.RepairOrderDetail {
	t.Helper()
	res := e.Do(t, "receptionist", "POST", "/v1/bookings", bookingBody(e, e.Fix.Day.Add(8*time.Hour), e.Fix.Bays[0], e.Fix.Technicians[0]))
	if res.Status != 201 {
		t.Fatalf("book: %d %s", res.Status, res.Body)
	}
	var b workshop.Booking
	res.JSON(t, &b)
	res = e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/bookings/%d/check-in", b.ID), map[string]any{}, "If-Match", res.Header.Get("ETag"))
	if res.Status != 201 {
		t.Fatalf("check-in: %d %s", res.Status, res.Body)
	}
	var ro workshop.RepairOrder
	res.JSON(t, &ro)
	res = e.Do(t, "receptionist", "GET", fmt.Sprintf("/v1/repair-orders/%d", ro.ID), nil)
	var d workshop.RepairOrderDetail
	res.JSON(t, &d)
	return d
}

func TestRepairOrderWorkflow(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	d := openRepairOrder(t, e)
	if len(d.Jobs) != 1 || d.Jobs[0].Status != "recommended" {
		t.Fatalf("jobs after check-in: %+v", d.Jobs)
	}
	job := d.Jobs[0]
	// An extra job recommended by the technician.
	res := e.Do(t, "technician", "POST", fmt.Sprintf("/v1/repair-orders/%d/jobs", d.ID), map[string]any{"labour_operation_code": "BRK-F", "concern": "pads worn"})
	if res.Status != 201 {
		t.Fatalf("recommend: %d %s", res.Status, res.Body)
	}
	var extra workshop.Job
	res.JSON(t, &extra)
	if res := e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/decline", extra.ID), map[string]any{}, "If-Match", oltp.ETag(extra.ID, extra.Version)); res.Status != 200 {
		t.Fatalf("decline: %d %s", res.Status, res.Body)
	}
	res = e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/approve", job.ID), map[string]any{"note": "ok by phone"}, "If-Match", oltp.ETag(job.ID, job.Version))
	if res.Status != 200 {
		t.Fatalf("approve: %d %s", res.Status, res.Body)
	}
	// Technician clocks on (twice is refused), off, completes.
	on := e.Do(t, "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/clock-on", job.ID), map[string]any{})
	if on.Status != 201 {
		t.Fatalf("clock-on: %d %s", on.Status, on.Body)
	}
	if again := e.Do(t, "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/clock-on", job.ID), map[string]any{}); again.Status != 409 {
		t.Errorf("second clock-on: %d", again.Status)
	}
	if off := e.Do(t, "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/clock-off", job.ID), map[string]any{}); off.Status != 200 {
		t.Fatalf("clock-off: %d %s", off.Status, off.Body)
	}
	if done := e.Do(t, "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/complete", job.ID), map[string]any{"correction": "serviced"}); done.Status != 200 {
		t.Fatalf("complete: %d %s", done.Status, done.Body)
	}
	// Labour: the database fills in the technician's cost (rate 25) and the sale amount.
	res = e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/labour-lines", job.ID), map[string]any{"sold_hours": 1.5})
	if res.Status != 201 {
		t.Fatalf("labour line: %d %s", res.Status, res.Body)
	}
	var l workshop.LabourLine
	res.JSON(t, &l)
	if l.SaleAmount != "180.00" || l.CostAmount != nil {
		t.Errorf("labour line as receptionist: %+v", l)
	}
	// Costs are visible to a manager, absent for a technician.
	var md workshop.RepairOrderDetail
	e.Do(t, "manager", "GET", fmt.Sprintf("/v1/repair-orders/%d", d.ID), nil).JSON(t, &md)
	if c := md.Jobs[0].LabourLines[0].CostAmount; c == nil || *c != "37.50" {
		t.Errorf("manager sees cost %v, want 37.50", c)
	}
	tech := e.Do(t, "technician", "GET", fmt.Sprintf("/v1/repair-orders/%d", d.ID), nil)
	if tech.Status != 200 || strings.Contains(string(tech.Body), "cost") {
		t.Errorf("technician view: %d %s", tech.Status, tech.Body)
	}
	// Status machine: estimate → closed is illegal; estimate → authorised is fine.
	etag := oltp.ETag(md.ID, md.Version)
	if res := e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-orders/%d/status", d.ID), map[string]any{"status": "closed"}, "If-Match", etag); res.Status != 409 {
		t.Errorf("estimate → closed: %d", res.Status)
	}
	if res := e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-orders/%d/status", d.ID), map[string]any{"status": "authorised"}, "If-Match", etag); res.Status != 200 {
		t.Errorf("estimate → authorised: %d %s", res.Status, res.Body)
	}
	if res := e.Do(t, "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/labour-lines", job.ID), map[string]any{"sold_hours": 1}); res.Status != http.StatusForbidden {
		t.Errorf("technician selling labour: %d", res.Status)
	}
}

func TestPartLinesIssueStock(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	var part int64
	if err := e.Admin.QueryRow(t.Context(), `INSERT INTO inventory.part (organisation_id, part_number, name) VALUES ($1, 'OF-1', 'Oil filter') RETURNING id`,
		e.Fix.Org).Scan(&part); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Admin.Exec(t.Context(), `INSERT INTO inventory.stock_level (organisation_id, branch_id, part_id, on_hand, reorder_point, reorder_qty, average_cost)
		VALUES ($1, $2, $3, 1, 0, 5, 4.20)`, e.Fix.Org, e.Fix.Branch, part); err != nil {
		t.Fatal(err)
	}
	d := openRepairOrder(t, e)
	job := d.Jobs[0]
	if res := e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/approve", job.ID), map[string]any{}, "If-Match", oltp.ETag(job.ID, job.Version)); res.Status != 200 {
		t.Fatalf("approve: %d %s", res.Status, res.Body)
	}
	fit := map[string]any{"part_id": part, "quantity": "1", "unit_price": "12.50"}
	res := e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/part-lines", job.ID), fit)
	if res.Status != 201 {
		t.Fatalf("fit part: %d %s", res.Status, res.Body)
	}
	var l workshop.PartLineOut
	res.JSON(t, &l)
	if l.SaleAmount != "12.50" || l.UnitCost != nil {
		t.Errorf("part line: %+v", l)
	}
	res = e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/part-lines", job.ID), fit)
	if res.Status != 409 || !strings.Contains(string(res.Body), "insufficient-stock") {
		t.Fatalf("second fit from empty stock: %d %s", res.Status, res.Body)
	}
	if n := e.Count(t, "workshop.part_line"); n != 1 {
		t.Errorf("part lines = %d, want 1 (the refused one rolled back)", n)
	}
	var cost string
	e.Admin.QueryRow(t.Context(), `SELECT unit_cost::text FROM inventory.inventory_transaction WHERE kind = 'issue'`).Scan(&cost)
	if cost != "4.20" {
		t.Errorf("ledger unit cost = %q, want 4.20 (filled by the database)", cost)
	}
}

func TestListRepairOrders(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	d := openRepairOrder(t, e)
	list := func(role, query string) (int, oltp.Collection[workshop.RepairOrder]) {
		t.Helper()
		res := e.Do(t, role, "GET", "/v1/repair-orders"+query, nil)
		var col oltp.Collection[workshop.RepairOrder]
		if res.Status == http.StatusOK {
			res.JSON(t, &col)
		}
		return res.Status, col
	}
	for _, role := range []string{"receptionist", "technician", "manager", "finance"} {
		st, col := list(role, fmt.Sprintf("?branch_id=%d&customer_id=%d&vehicle_id=%d&status=%s", e.Fix.Branch, e.Fix.Customer, e.Fix.Vehicle, d.Status))
		if st != http.StatusOK || len(col.Items) != 1 || col.Items[0].ID != d.ID || col.Items[0].BookingID == nil {
			t.Errorf("%s: %d %+v", role, st, col)
		}
	}
	if _, col := list("manager", "?status=closed"); len(col.Items) != 0 {
		t.Errorf("closed repair orders: %+v", col.Items)
	}
	if _, col := list("manager", fmt.Sprintf("?cursor=%s", oltp.NewCollection([]workshop.RepairOrder{d.RepairOrder, d.RepairOrder}, 1,
		func(ro workshop.RepairOrder) int64 { return ro.ID }).NextCursor)); len(col.Items) != 0 {
		t.Errorf("page after the only repair order: %+v", col.Items)
	}
	for _, q := range []string{"?status=done", "?branch_id=x", "?vehicle_id=0", "?limit=201"} {
		if st, _ := list("manager", q); st != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, st)
		}
	}
	for _, role := range []string{"dispatcher", "chauffeur"} {
		if st, _ := list(role, ""); st != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", role, st)
		}
	}
}
