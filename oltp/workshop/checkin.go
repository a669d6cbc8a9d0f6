package workshop

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/carcarehub/cch/oltp"
)

// CheckInRequest records the vehicle's arrival.
type CheckInRequest struct {
	OdometerMiles *int       `json:"odometer_miles,omitempty"`
	PromisedAt    *time.Time `json:"promised_at,omitempty"`
}

// RepairOrder is the API view of workshop.repair_order.
type RepairOrder struct {
	ID         int64     `json:"id"`
	BranchID   int64     `json:"branch_id"`
	CustomerID int64     `json:"customer_id"`
	VehicleID  int64     `json:"vehicle_id"`
	BookingID  *int64    `json:"booking_id"`
	Status     string    `json:"status"`
	OpenedAt   time.Time `json:"opened_at"`
	Version    int32     `json:"version"`
}

func registerCheckIn(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/bookings/:id/check-in", Summary: "Check a booking in to a repair order",
		Roles: bookingWriters, Request: CheckInRequest{}, Response: RepairOrder{}, Status: http.StatusCreated, Versioned: true}, checkIn)
}

// checkIn marks the booking arrived then converted and opens a repair order
// with one recommended job per requested labour operation.
func checkIn(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req CheckInRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if req.OdometerMiles != nil && (*req.OdometerMiles < 0 || *req.OdometerMiles > 2_000_000) {
		return oltp.Result{}, oltp.Unprocessable("odometer_miles must be from 0 to 2000000")
	}
	b, err := lockForChange(ctx, call)
	if err != nil {
		return oltp.Result{}, err
	}
	if _, err := call.Tx.Exec(ctx, `UPDATE workshop.booking SET status = 'arrived', arrived_at = now() WHERE id = $1`, b.ID); err != nil {
		return oltp.Result{}, err
	}
	if _, err := call.Tx.Exec(ctx, `UPDATE workshop.booking SET status = 'converted' WHERE id = $1`, b.ID); err != nil {
		return oltp.Result{}, err
	}
	ro := RepairOrder{BranchID: b.BranchID, CustomerID: b.CustomerID, VehicleID: b.VehicleID, BookingID: &b.ID}
	err = call.Tx.QueryRow(ctx, `INSERT INTO workshop.repair_order (organisation_id, branch_id, customer_id, vehicle_id, booking_id,
		advisor_staff_id, status, opened_at, promised_at, odometer_in_miles)
		VALUES ($1, $2, $3, $4, $5, $6, 'estimate', now(), $7, $8) RETURNING id, status::text, opened_at, version`,
		call.P.OrganisationID, b.BranchID, b.CustomerID, b.VehicleID, b.ID, call.P.StaffID, req.PromisedAt, req.OdometerMiles,
	).Scan(&ro.ID, &ro.Status, &ro.OpenedAt, &ro.Version)
	if err != nil {
		return oltp.Result{}, err
	}
	_, err = call.Tx.Exec(ctx, `INSERT INTO workshop.repair_job (organisation_id, branch_id, repair_order_id, labour_operation_id,
		job_category, concern, status, pay_type, assigned_technician_id)
		SELECT $1, $2, $3, lo.id, lo.job_category, lo.name, 'recommended', 'customer', $5
		FROM workshop.labour_operation lo WHERE lo.code = ANY($4) AND lo.active`,
		call.P.OrganisationID, b.BranchID, ro.ID, b.LabourOperationCodes, b.TechnicianID)
	if err != nil {
		return oltp.Result{}, err
	}
	ro.OpenedAt = ro.OpenedAt.UTC()
	return oltp.Result{Status: http.StatusCreated, Body: ro, ETag: oltp.ETag(ro.ID, ro.Version),
		Location: "/v1/repair-orders/" + strconv.FormatInt(ro.ID, 10)}, nil
}
