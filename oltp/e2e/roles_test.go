package e2e_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp/chauffeur"
	"github.com/carcarehub/cch/oltp/customers"
	"github.com/carcarehub/cch/oltp/finance"
	"github.com/carcarehub/cch/oltp/inventory"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/rosters"
	"github.com/carcarehub/cch/oltp/workshop"
)

var costField = regexp.MustCompile(`"[a-z_]*(cost|margin|pay_rate|payable)[a-z_]*"\s*:`)

// TestRoleMatrix checks, over HTTP, what each business role may do: 403
// for forbidden operations, 404 where existence must stay hidden, and no
// cost or margin fields in what technicians and receptionists receive.
func TestRoleMatrix(t *testing.T) {
	e := oltptest.New(t, customers.Register, workshop.Register, inventory.Register, finance.Register, chauffeur.Register, rosters.Register)
	res := must(t, e.Do(t, "receptionist", "POST", "/v1/bookings", map[string]any{
		"branch_id": e.Fix.Branch, "customer_id": e.Fix.Customer, "vehicle_id": e.Fix.Vehicle,
		"starts_at": e.Fix.Day.Add(9 * time.Hour).Format(time.RFC3339), "duration_minutes": 60,
		"bay_id": e.Fix.Bays[0], "technician_id": e.Fix.Technicians[0], "labour_operation_codes": []string{"SRV-A"}, "notes": ""}), 201, "book")
	var b workshop.Booking
	res.JSON(t, &b)
	var ro workshop.RepairOrder
	must(t, e.Do(t, "receptionist", "POST", fmt.Sprintf("/v1/bookings/%d/check-in", b.ID), map[string]any{}, "If-Match", res.Header.Get("ETag")), 201, "check in").JSON(t, &ro)
	if _, err := e.Admin.Exec(t.Context(), `WITH p AS (INSERT INTO inventory.part (organisation_id, part_number, name) VALUES ($1, 'P-1', 'Pad') RETURNING id)
		INSERT INTO inventory.stock_level (organisation_id, branch_id, part_id, on_hand, average_cost) SELECT $1, $2, id, 3, 9.99 FROM p`,
		e.Fix.Org, e.Fix.Branch); err != nil {
		t.Fatal(err)
	}
	roPath := fmt.Sprintf("/v1/repair-orders/%d", ro.ID)
	stock := fmt.Sprintf("/v1/stock?branch_id=%d", e.Fix.Branch)
	customer := fmt.Sprintf("/v1/customers/%d", e.Fix.Customer)
	shifts := fmt.Sprintf("/v1/shifts?branch_id=%d&from=%s&to=%s", e.Fix.Branch, e.Fix.Day.Format(time.DateOnly), e.Fix.Day.AddDate(0, 0, 1).Format(time.DateOnly))
	techShift := map[string]any{"branch_id": e.Fix.Branch, "staff_id": e.Fix.Technicians[1], "break_minutes": 0,
		"starts_at": e.Fix.Day.AddDate(0, 0, 1).Add(8 * time.Hour).Format(time.RFC3339), "ends_at": e.Fix.Day.AddDate(0, 0, 1).Add(12 * time.Hour).Format(time.RFC3339)}
	type want map[string]int
	tests := []struct {
		method, path string
		body         any
		want         want
	}{
		{"GET", fmt.Sprintf("/v1/bookings/%d", b.ID), nil, want{"receptionist": 200, "manager": 200, "technician": 200, "finance": 403, "dispatcher": 403, "chauffeur": 403, "auditor": 403}},
		{"GET", roPath, nil, want{"receptionist": 200, "manager": 200, "technician": 200, "finance": 200, "dispatcher": 403, "chauffeur": 403, "auditor": 403}},
		{"GET", customer, nil, want{"receptionist": 200, "manager": 200, "technician": 200, "finance": 200, "dispatcher": 200, "chauffeur": 404, "auditor": 403}},
		{"GET", stock, nil, want{"receptionist": 200, "manager": 200, "technician": 200, "finance": 200, "dispatcher": 403, "chauffeur": 403, "auditor": 403}},
		{"POST", "/v1/invoices", map[string]any{"repair_order_id": ro.ID}, want{"receptionist": 403, "technician": 403, "dispatcher": 403, "chauffeur": 403, "auditor": 403}},
		{"GET", "/v1/rides?flight=BA1", nil, want{"receptionist": 403, "technician": 403, "auditor": 403, "dispatcher": 200}},
		{"GET", fmt.Sprintf("/v1/customers/%d", e.Fix.OtherCustomer), nil, want{"manager": 404, "receptionist": 404}},
		{"GET", shifts, nil, want{"manager": 200, "dispatcher": 200, "receptionist": 200, "technician": 200, "chauffeur": 200, "finance": 200, "auditor": 403}},
		{"POST", "/v1/shifts", techShift, want{"receptionist": 403, "technician": 403, "finance": 403, "chauffeur": 403, "auditor": 403, "dispatcher": 403}},
	}
	for _, tt := range tests {
		for role, status := range tt.want {
			t.Run(role+" "+tt.method+" "+tt.path, func(t *testing.T) {
				res := e.Do(t, role, tt.method, tt.path, tt.body)
				if res.Status != status {
					t.Fatalf("%d, want %d: %s", res.Status, status, res.Body)
				}
				if (role == "technician" || role == "receptionist") && costField.Match(res.Body) {
					t.Errorf("%s received cost or margin fields: %s", role, res.Body)
				}
			})
		}
	}
	// The technician assigned to the booking's job now sees the customer.
	if res := e.Do(t, "technician", "GET", customer, nil); res.Status != 200 {
		t.Errorf("assigned technician reading the customer: %d", res.Status)
	}
}
