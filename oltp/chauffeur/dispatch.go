package chauffeur

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// Assignment is the API view of chauffeur.dispatch_assignment: a chauffeur
// and a fleet vehicle offered to (or accepted for) a ride over a period.
type Assignment struct {
	ID             int64      `json:"id"`
	RideID         int64      `json:"ride_id"`
	ChauffeurID    int64      `json:"chauffeur_id"`
	FleetVehicleID int64      `json:"fleet_vehicle_id"`
	Status         string     `json:"status"`
	StartsAt       time.Time  `json:"starts_at"`
	EndsAt         time.Time  `json:"ends_at"`
	OfferedAt      time.Time  `json:"offered_at"`
	RespondedAt    *time.Time `json:"responded_at"`
}

// DispatchRequest is the body of POST /v1/rides/{id}/dispatch.
type DispatchRequest struct {
	ChauffeurID    int64 `json:"chauffeur_id"`
	FleetVehicleID int64 `json:"fleet_vehicle_id"`
}

// rideLock is what a status change needs of a locked ride.
type rideLock struct {
	ID, BranchID    int64
	Status          string
	Version         int32
	PickupAt        time.Time
	DurationMinutes int
	Class           *string
	Passengers      int
}

// leadMinutes is how long before pickup an assignment starts: the drive to
// the pickup point. The assignment period is [pickup - lead, pickup +
// estimated duration).
const leadMinutes = 30

// offerSQL inserts the offer when chauffeur and vehicle are active, visible
// to the caller (RLS), the vehicle is in service for the period, of the
// requested class and big enough. The exclusion constraints
// dispatch_assignment_{chauffeur,vehicle}_no_overlap refuse a double
// booking (23P01 → 409 slot-taken).
const offerSQL = `
WITH p AS (SELECT tstzrange($6::timestamptz - make_interval(mins => $7), $6::timestamptz + make_interval(mins => $8), '[)') AS period)
INSERT INTO chauffeur.dispatch_assignment (organisation_id, branch_id, ride_booking_id, chauffeur_id, fleet_vehicle_id, period, dispatcher_staff_id)
SELECT $1, $2, $3, c.id, v.id, p.period, $9
FROM p, chauffeur.chauffeur c, chauffeur.fleet_vehicle v
WHERE c.id = $4 AND c.active AND v.id = $5 AND v.active AND v.in_service @> p.period
  AND ($10::text IS NULL OR v.vehicle_class::text = $10) AND v.passenger_capacity >= $11
RETURNING id, status::text, lower(period), upper(period), offered_at`

// offer assigns chauffeur and vehicle to the locked, confirmed ride and
// moves it to dispatched.
func offer(ctx context.Context, tx pgx.Tx, p oltp.Principal, r rideLock, chauffeurID, vehicleID int64) (Assignment, error) {
	a := Assignment{RideID: r.ID, ChauffeurID: chauffeurID, FleetVehicleID: vehicleID}
	if err := checkTransition(r.Status, "dispatched"); err != nil {
		return a, err
	}
	err := tx.QueryRow(ctx, offerSQL, p.OrganisationID, r.BranchID, r.ID, chauffeurID, vehicleID, r.PickupAt, leadMinutes,
		r.DurationMinutes, p.StaffID, r.Class, r.Passengers).Scan(&a.ID, &a.Status, &a.StartsAt, &a.EndsAt, &a.OfferedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, oltp.Unprocessable(fmt.Sprintf("chauffeur %d is not an active chauffeur, or fleet vehicle %d is not active, "+
			"in service for the ride, of the requested class and big enough", chauffeurID, vehicleID))
	} else if err != nil {
		return a, fmt.Errorf("offer ride %d: %w", r.ID, err)
	}
	a.StartsAt, a.EndsAt, a.OfferedAt = a.StartsAt.UTC(), a.EndsAt.UTC(), a.OfferedAt.UTC()
	return a, setStatus(ctx, tx, p, r.ID, r.Status, "dispatched", nil, "")
}

// dispatchRide is the dispatch screen's offer. The ride is locked FOR
// UPDATE NOWAIT: when another dispatcher (or the worker) holds it, this
// fails at once with 409 locked instead of queueing behind them; once they
// commit the ride is no longer confirmed (409 illegal-transition).
func dispatchRide(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	var req DispatchRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if req.ChauffeurID <= 0 || req.FleetVehicleID <= 0 {
		return oltp.Result{}, oltp.Unprocessable("chauffeur_id and fleet_vehicle_id must be positive integers")
	}
	if err := oltp.Visible(ctx, call.Tx, oltp.Ref{What: "chauffeur", Table: "chauffeur.chauffeur", ID: req.ChauffeurID},
		oltp.Ref{What: "fleet vehicle", Table: "chauffeur.fleet_vehicle", ID: req.FleetVehicleID}); err != nil {
		return oltp.Result{}, err
	}
	r, err := lockRide(ctx, call.Tx, id, true)
	if err != nil {
		return oltp.Result{}, err
	}
	a, err := offer(ctx, call.Tx, call.P, r, req.ChauffeurID, req.FleetVehicleID)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Status: http.StatusCreated, Body: a, Location: "/v1/rides/" + strconv.FormatInt(id, 10)}, nil
}

func acceptOffer(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	return respond(ctx, call, "accepted", "accepted")
}

func rejectOffer(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	return respond(ctx, call, "declined", "confirmed")
}

// respond records the chauffeur's answer to an offer: the assignment
// becomes accepted or declined and the ride accepted or confirmed again
// (back on the board). Locks are taken ride first, then assignment, the
// same order as dispatch, so the two never deadlock. Row-level security
// shows a chauffeur only their own offers (404 otherwise).
func respond(ctx context.Context, call *oltp.Call, assignmentTo, rideTo string) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	var rideID int64
	err = call.Tx.QueryRow(ctx, `SELECT ride_booking_id FROM chauffeur.dispatch_assignment WHERE id = $1`, id).Scan(&rideID)
	if errors.Is(err, pgx.ErrNoRows) {
		return oltp.Result{}, oltp.NotFound("dispatch offer " + strconv.FormatInt(id, 10) + " does not exist")
	} else if err != nil {
		return oltp.Result{}, fmt.Errorf("read offer %d: %w", id, err)
	}
	r, err := lockRide(ctx, call.Tx, rideID, false)
	if err != nil {
		return oltp.Result{}, err
	}
	a, err := loadAssignment(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	if a.Status != "offered" {
		return oltp.Result{}, oltp.Conflict("illegal-transition", "the offer is already "+a.Status)
	}
	if err := checkTransition(r.Status, rideTo); err != nil {
		return oltp.Result{}, err
	}
	// Ride and event first: once declined, the chauffeur no longer sees the
	// ride under RLS.
	if err := setStatus(ctx, call.Tx, call.P, rideID, r.Status, rideTo, nil, ""); err != nil {
		return oltp.Result{}, err
	}
	err = call.Tx.QueryRow(ctx, `UPDATE chauffeur.dispatch_assignment SET status = $2::chauffeur.dispatch_status, responded_at = now()
		WHERE id = $1 RETURNING responded_at`, id, assignmentTo).Scan(&a.RespondedAt)
	if err != nil {
		return oltp.Result{}, fmt.Errorf("answer offer %d: %w", id, err)
	}
	a.Status, a.RespondedAt = assignmentTo, utcPtr(a.RespondedAt)
	return oltp.Result{Body: a}, nil
}

func loadAssignment(ctx context.Context, tx pgx.Tx, id int64) (Assignment, error) {
	var a Assignment
	err := tx.QueryRow(ctx, `SELECT id, ride_booking_id, chauffeur_id, fleet_vehicle_id, status::text, lower(period), upper(period),
		offered_at, responded_at FROM chauffeur.dispatch_assignment WHERE id = $1 FOR UPDATE`, id).Scan(
		&a.ID, &a.RideID, &a.ChauffeurID, &a.FleetVehicleID, &a.Status, &a.StartsAt, &a.EndsAt, &a.OfferedAt, &a.RespondedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, oltp.NotFound("dispatch offer " + strconv.FormatInt(id, 10) + " does not exist")
	} else if err != nil {
		return a, fmt.Errorf("lock offer %d: %w", id, err)
	}
	a.StartsAt, a.EndsAt, a.OfferedAt, a.RespondedAt = a.StartsAt.UTC(), a.EndsAt.UTC(), a.OfferedAt.UTC(), utcPtr(a.RespondedAt)
	return a, nil
}
