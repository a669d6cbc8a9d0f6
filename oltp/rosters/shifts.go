package rosters

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

// Shift is the API view of core.staff_shift.
type Shift struct {
	ID           int64     `json:"id"`
	BranchID     int64     `json:"branch_id"`
	StaffID      int64     `json:"staff_id"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	BreakMinutes int32     `json:"break_minutes"`
	Productive   bool      `json:"productive"`
	Active       bool      `json:"active"`
	Version      int32     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
}

// ShiftRequest is the body of POST /v1/shifts.
type ShiftRequest struct {
	BranchID     int64     `json:"branch_id"`
	StaffID      int64     `json:"staff_id"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	BreakMinutes int32     `json:"break_minutes"`
	Productive   *bool     `json:"productive,omitempty" doc:"default true: rostered for billable work"`
}

// Validate reports every problem at once.
func (r *ShiftRequest) Validate() error {
	var errs []error
	if r.BranchID <= 0 {
		errs = append(errs, errors.New("branch_id must be a positive integer"))
	}
	if r.StaffID <= 0 {
		errs = append(errs, errors.New("staff_id must be a positive integer"))
	}
	errs = append(errs, validateSpan(r.StartsAt, r.EndsAt, r.BreakMinutes)...)
	if r.Productive == nil {
		yes := true
		r.Productive = &yes
	}
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

// ShiftChange is the body of PATCH /v1/shifts/{id}: the new times, break
// and flags (active = false cancels the shift).
type ShiftChange struct {
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	BreakMinutes int32     `json:"break_minutes"`
	Productive   bool      `json:"productive"`
	Active       bool      `json:"active"`
}

// Validate reports every problem at once.
func (r *ShiftChange) Validate() error {
	if errs := validateSpan(r.StartsAt, r.EndsAt, r.BreakMinutes); len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

// maxShift is the longest shift the rota accepts.
const maxShift = 16 * time.Hour

func validateSpan(start, end time.Time, breakMinutes int32) []error {
	var errs []error
	switch {
	case start.IsZero() || end.IsZero():
		errs = append(errs, errors.New("starts_at and ends_at are required (RFC 3339)"))
	case !oltp.SaneTime(start) || !oltp.SaneTime(end):
		errs = append(errs, errors.New("starts_at and ends_at are out of range"))
	case !end.After(start):
		errs = append(errs, errors.New("ends_at must be after starts_at"))
	case end.Sub(start) > maxShift:
		errs = append(errs, fmt.Errorf("a shift lasts at most %s", maxShift))
	case time.Duration(breakMinutes)*time.Minute >= end.Sub(start):
		errs = append(errs, errors.New("break_minutes must be shorter than the shift"))
	}
	if breakMinutes < 0 || breakMinutes > 180 {
		errs = append(errs, errors.New("break_minutes must be from 0 to 180"))
	}
	return errs
}

// Planners create and change shifts; everyone who works from the rota reads it.
var (
	planners = []string{"manager", "dispatcher"}
	readers  = []string{"manager", "dispatcher", "receptionist", "technician", "chauffeur", "finance"}
)

// Register mounts the rota on api.
func Register(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/shifts", Summary: "Roster a staff member's shift",
		Roles: planners, Request: ShiftRequest{}, Response: Shift{}, Status: http.StatusCreated, Versioned: true}, createShift)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/shifts/:id", Summary: "Read a shift",
		Roles: readers, Response: Shift{}, Versioned: true}, getShift)
	api.Write(oltp.Route{Method: http.MethodPatch, Path: "/v1/shifts/:id", Summary: "Change or cancel a shift",
		Roles: planners, Request: ShiftChange{}, Response: Shift{}, Versioned: true}, changeShift)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/shifts", Summary: "List the shifts of a branch between two dates",
		Roles: readers, Response: oltp.Collection[Shift]{}, Query: shiftListParams}, listShifts)
}

const shiftSelect = `SELECT s.id, s.branch_id, s.staff_id, lower(s.period), upper(s.period), s.break_minutes, s.productive, s.active,
	s.version, s.created_at FROM core.staff_shift s`

func scanShift(row pgx.Row) (Shift, error) {
	var s Shift
	err := row.Scan(&s.ID, &s.BranchID, &s.StaffID, &s.StartsAt, &s.EndsAt, &s.BreakMinutes, &s.Productive, &s.Active, &s.Version, &s.CreatedAt)
	s.StartsAt, s.EndsAt, s.CreatedAt = s.StartsAt.UTC(), s.EndsAt.UTC(), s.CreatedAt.UTC()
	return s, err
}

func loadShift(ctx context.Context, tx pgx.Tx, id int64) (oltp.Result, error) {
	s, err := scanShift(tx.QueryRow(ctx, shiftSelect+` WHERE s.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return oltp.Result{}, oltp.NotFound("shift " + strconv.FormatInt(id, 10) + " does not exist")
	} else if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: s, ETag: oltp.ETag(s.ID, s.Version), Location: "/v1/shifts/" + strconv.FormatInt(s.ID, 10)}, nil
}

func getShift(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	return loadShift(ctx, call.Tx, id)
}
