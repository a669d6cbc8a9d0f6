package chauffeur

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

var allStatuses = []string{"quoted", "confirmed", "dispatched", "accepted", "on_the_way", "on_location",
	"passenger_on_board", "completed", "cancelled", "late_cancelled", "no_show"}

// transitions is the ride life cycle: status → the statuses it may move
// to. dispatched and accepted are reached only through the dispatch
// endpoints (they need an assignment); a rejected offer returns the ride to
// confirmed.
var transitions = map[string][]string{
	"quoted":             {"confirmed", "cancelled"},
	"confirmed":          {"dispatched", "cancelled", "late_cancelled"},
	"dispatched":         {"accepted", "confirmed", "cancelled", "late_cancelled"},
	"accepted":           {"on_the_way", "cancelled", "late_cancelled"},
	"on_the_way":         {"on_location", "cancelled", "late_cancelled"},
	"on_location":        {"passenger_on_board", "no_show", "cancelled", "late_cancelled"},
	"passenger_on_board": {"completed"},
}

// eventStatuses may be posted to /events; chauffeurs post only their
// progress through the ride.
var (
	eventStatuses     = []string{"confirmed", "on_the_way", "on_location", "passenger_on_board", "completed", "cancelled", "late_cancelled", "no_show"}
	chauffeurStatuses = []string{"on_the_way", "on_location", "passenger_on_board", "completed", "no_show"}
)

// checkTransition refuses a move the life cycle does not allow (409
// illegal-transition).
func checkTransition(from, to string) error {
	if slices.Contains(transitions[from], to) {
		return nil
	}
	return oltp.Conflict("illegal-transition", fmt.Sprintf("a %s ride cannot become %s", from, to))
}

// EventRequest is the body of POST /v1/rides/{id}/events.
type EventRequest struct {
	Status        string       `json:"status" doc:"confirmed, on_the_way, on_location, passenger_on_board, completed, cancelled, late_cancelled, no_show"`
	OdometerMiles *json.Number `json:"odometer_miles,omitempty" doc:"decimal"`
	Note          string       `json:"note,omitempty"`
}

// Validate checks the request on its own; the transition is checked
// against the locked ride.
func (r *EventRequest) Validate(role string) error {
	var errs []error
	if !slices.Contains(eventStatuses, r.Status) {
		errs = append(errs, fmt.Errorf("status must be one of %v", eventStatuses))
	}
	if r.OdometerMiles != nil {
		if f, err := r.OdometerMiles.Float64(); err != nil || f < 0 || f > 1e8 {
			errs = append(errs, errors.New("odometer_miles must be from 0 to 100000000"))
		}
	}
	if len(r.Note) > 1000 {
		errs = append(errs, errors.New("note is limited to 1000 characters"))
	}
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	if role == "chauffeur" && !slices.Contains(chauffeurStatuses, r.Status) {
		return oltp.Forbidden("a chauffeur records only on_the_way, on_location, passenger_on_board, completed and no_show")
	}
	return nil
}

// statusUpdates is the UPDATE per target status. Each names only the
// columns that change, because chauffeurs hold UPDATE on just those.
var statusUpdates = map[string]string{
	"on_location":        `UPDATE chauffeur.ride_booking SET status = 'on_location', on_location_at = now() WHERE id = $1`,
	"passenger_on_board": `UPDATE chauffeur.ride_booking SET status = 'passenger_on_board', passenger_on_board_at = now() WHERE id = $1`,
	"completed":          `UPDATE chauffeur.ride_booking SET status = 'completed', completed_at = now() WHERE id = $1`,
	"cancelled":          `UPDATE chauffeur.ride_booking SET status = 'cancelled', cancelled_at = now(), cancellation_reason = NULLIF($2, '') WHERE id = $1`,
	"late_cancelled":     `UPDATE chauffeur.ride_booking SET status = 'late_cancelled', cancelled_at = now(), cancellation_reason = NULLIF($2, '') WHERE id = $1`,
}

// assignmentAfter is what the ride's live assignment becomes when the ride
// reaches a final status, or goes back to confirmed (the dispatcher
// withdraws the offer; a chauffeur's rejection then marks it declined).
var assignmentAfter = map[string]string{"completed": "completed", "no_show": "completed",
	"cancelled": "cancelled", "late_cancelled": "cancelled", "confirmed": "cancelled"}

// setStatus moves a locked ride from → to: the ride row, the append-only
// event and the live assignment, in that order (once the assignment is no
// longer live, a chauffeur can no longer see the ride under RLS).
func setStatus(ctx context.Context, tx pgx.Tx, p oltp.Principal, rideID int64, from, to string, odometer *json.Number, note string) error {
	q, ok := statusUpdates[to]
	args := []any{rideID}
	if !ok {
		q = `UPDATE chauffeur.ride_booking SET status = $2::chauffeur.ride_status WHERE id = $1`
		args = append(args, to)
	} else if to == "cancelled" || to == "late_cancelled" {
		args = append(args, note)
	}
	if _, err := tx.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("set ride %d %s: %w", rideID, to, err)
	}
	if err := appendEvent(ctx, tx, p, rideID, from, to, odometer, note); err != nil {
		return err
	}
	if next, ok := assignmentAfter[to]; ok {
		_, err := tx.Exec(ctx, `UPDATE chauffeur.dispatch_assignment SET status = $2::chauffeur.dispatch_status
			WHERE ride_booking_id = $1 AND status IN ('offered', 'accepted')`, rideID, next)
		if err != nil {
			return fmt.Errorf("release assignment of ride %d: %w", rideID, err)
		}
	}
	return nil
}

// appendEvent writes one row of the append-only ride_status_event.
func appendEvent(ctx context.Context, tx pgx.Tx, p oltp.Principal, rideID int64, from, to string, odometer *json.Number, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO chauffeur.ride_status_event (organisation_id, ride_booking_id, from_status, to_status,
		actor_staff_id, odometer_miles, note) VALUES ($1, $2, NULLIF($3, '')::chauffeur.ride_status, $4::chauffeur.ride_status, $5, $6::numeric, NULLIF($7, ''))`,
		p.OrganisationID, rideID, from, to, p.StaffID, moneyArg(odometer), note)
	if err != nil {
		return fmt.Errorf("record ride %d event %s: %w", rideID, to, err)
	}
	return nil
}

// lockRide locks the ride row for a status change and returns its status.
// nowait is for dispatch screens: a ride someone else is changing is a 409
// (55P03) at once rather than a wait.
func lockRide(ctx context.Context, tx pgx.Tx, id int64, nowait bool) (rideLock, error) {
	q := `SELECT id, status::text, version, branch_id, pickup_at, estimated_duration_minutes, requested_vehicle_class::text, passenger_count
		FROM chauffeur.ride_booking WHERE id = $1 FOR UPDATE`
	if nowait {
		q += " NOWAIT"
	}
	var r rideLock
	err := tx.QueryRow(ctx, q, id).Scan(&r.ID, &r.Status, &r.Version, &r.BranchID, &r.PickupAt, &r.DurationMinutes, &r.Class, &r.Passengers)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, rideNotFound(id)
	} else if err != nil {
		return r, fmt.Errorf("lock ride %d: %w", id, err)
	}
	return r, nil
}

func postEvent(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	var req EventRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if err := req.Validate(call.P.Role); err != nil {
		return oltp.Result{}, err
	}
	r, err := lockRide(ctx, call.Tx, id, false)
	if err != nil {
		return oltp.Result{}, err
	}
	if err := checkTransition(r.Status, req.Status); err != nil {
		return oltp.Result{}, err
	}
	if err := setStatus(ctx, call.Tx, call.P, id, r.Status, req.Status, req.OdometerMiles, req.Note); err != nil {
		return oltp.Result{}, err
	}
	res, err := rideResult(ctx, call.Tx, id)
	res.Status = http.StatusCreated
	return res, err
}

// lateCancellation is how close to pickup a cancellation counts as late.
const lateCancellation = 24 * time.Hour

// CancelRequest cancels a ride. Within 24 hours of pickup it counts as a
// late cancellation.
type CancelRequest struct {
	Reason string `json:"reason"`
}

func cancelRide(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, want, err := call.IDIfMatch()
	if err != nil {
		return oltp.Result{}, err
	}
	var req CancelRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if len(req.Reason) > 500 {
		return oltp.Result{}, oltp.Unprocessable("reason is limited to 500 characters")
	}
	r, err := lockRide(ctx, call.Tx, id, true)
	if err != nil {
		return oltp.Result{}, err
	}
	if r.Version != want {
		return oltp.Result{}, oltp.PreconditionFailed()
	}
	to := "cancelled"
	if r.Status != "quoted" && time.Until(r.PickupAt) < lateCancellation {
		to = "late_cancelled"
	}
	if err := checkTransition(r.Status, to); err != nil {
		return oltp.Result{}, err
	}
	if err := setStatus(ctx, call.Tx, call.P, id, r.Status, to, nil, req.Reason); err != nil {
		return oltp.Result{}, err
	}
	return rideResult(ctx, call.Tx, id)
}
