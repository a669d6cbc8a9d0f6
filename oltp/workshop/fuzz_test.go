package workshop_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/workshop"
)

// FuzzBookingRequest drives the booking body through strict decoding and
// validation: no input panics, every refusal is a 4xx problem, and an
// accepted body satisfies the contract the SQL relies on.
func FuzzBookingRequest(f *testing.F) {
	f.Add([]byte(`{"branch_id":1,"customer_id":2,"vehicle_id":3,"starts_at":"2026-12-02T09:00:00Z","duration_minutes":60,"bay_id":4,"technician_id":5,"labour_operation_codes":["SRV-A"],"notes":"x"}`))
	f.Add([]byte(`{"branch_id":1,"starts_at":"not a time"}`))
	f.Add([]byte(`{"branch_id":1e400}`))
	f.Add([]byte(`{"notes":"'); DROP TABLE workshop.booking; --","duration_minutes":-1}`))
	f.Add([]byte(`{"branch_id":1,"customer_id":2,"vehicle_id":3,"starts_at":"2026-12-02T09:00:00+14:00","duration_minutes":720,"bay_id":4,"technician_id":5,"labour_operation_codes":[],"notes":"","channel":"web"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req workshop.BookingRequest
		err := oltp.DecodeJSON(bytes.NewReader(body), &req)
		if err == nil {
			err = req.Validate()
		}
		if err != nil {
			var e *oltp.Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 {
				t.Fatalf("refusal is not a 4xx problem: %v", err)
			}
			return
		}
		if req.BranchID <= 0 || req.CustomerID <= 0 || req.VehicleID <= 0 || req.BayID <= 0 || req.TechnicianID <= 0 {
			t.Fatalf("accepted non-positive id: %+v", req)
		}
		if req.DurationMinutes < 15 || req.DurationMinutes > 720 || req.StartsAt.Before(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(-24*time.Hour)) {
			t.Fatalf("accepted period: %v + %d min", req.StartsAt, req.DurationMinutes)
		}
		if len(req.LabourOperationCodes) > 20 || len(req.Notes) > 2000 || req.Channel == "" {
			t.Fatalf("accepted request: %+v", req)
		}
	})
}
