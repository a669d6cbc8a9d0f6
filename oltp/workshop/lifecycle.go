package workshop

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// RescheduleRequest moves a booking; bay and technician default to the
// current ones.
type RescheduleRequest struct {
	StartsAt        time.Time `json:"starts_at"`
	DurationMinutes int       `json:"duration_minutes"`
	BayID           *int64    `json:"bay_id,omitempty"`
	TechnicianID    *int64    `json:"technician_id,omitempty"`
}

// CancelRequest cancels a booking. Within 24 h of the start it counts as a
// late cancellation.
type CancelRequest struct {
	Reason string `json:"reason"`
}

var openStatuses = []string{"booked", "confirmed"}

// lockForChange loads the booking FOR UPDATE and checks If-Match and that it
// is still open. The version trigger bumps version on UPDATE; the WHERE
// version = $expected on the write is the optimistic check, this lock makes
// the read-check-write of the reservations atomic.
func lockForChange(ctx context.Context, call *oltp.Call) (Booking, error) {
	id, want, err := call.IDIfMatch()
	if err != nil {
		return Booking{}, err
	}
	b, err := loadBooking(ctx, call.Tx, id, true)
	if err != nil {
		return b, err
	}
	if b.Version != want {
		return b, oltp.PreconditionFailed()
	}
	if !slices.Contains(openStatuses, b.Status) {
		return b, oltp.Conflict("illegal-transition", fmt.Sprintf("a %s booking cannot be changed", b.Status))
	}
	return b, nil
}

func rescheduleBooking(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req RescheduleRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if errs := validatePeriod(req.StartsAt, req.DurationMinutes); len(errs) > 0 {
		return oltp.Result{}, oltp.Unprocessable(errors.Join(errs...).Error())
	}
	b, err := lockForChange(ctx, call)
	if err != nil {
		return oltp.Result{}, err
	}
	bay, tech := b.BayID, b.TechnicianID
	if req.BayID != nil {
		bay = req.BayID
	}
	if req.TechnicianID != nil {
		tech = req.TechnicianID
	}
	if bay == nil || tech == nil {
		return oltp.Result{}, oltp.Unprocessable("bay_id and technician_id are required: the booking has none")
	}
	if err := oltp.Visible(ctx, call.Tx, oltp.Ref{What: "bay", Table: "workshop.service_bay", ID: *bay},
		oltp.Ref{What: "technician", Table: "core.staff", ID: *tech}); err != nil {
		return oltp.Result{}, err
	}
	start := req.StartsAt.UTC()
	if err := checkNewPeriod(ctx, call, b.BranchID, start, req.DurationMinutes, *tech); err != nil {
		return oltp.Result{}, err
	}
	_, err = call.Tx.Exec(ctx, `UPDATE workshop.booking SET period = tstzrange($2::timestamptz, $2::timestamptz + make_interval(mins => $3), '[)'),
		reminder_due_at = $2::timestamptz - interval '24 hours', reminder_sent_at = NULL WHERE id = $1 AND version = $4`,
		b.ID, start, req.DurationMinutes, b.Version)
	if err != nil {
		return oltp.Result{}, err
	}
	if err := releaseReservations(ctx, call.Tx, b.ID); err != nil {
		return oltp.Result{}, err
	}
	if err := reserve(ctx, call, b, *bay, *tech); err != nil {
		return oltp.Result{}, err
	}
	return reload(ctx, call.Tx, b.ID)
}

// reschedulingSQL checks a booking's new period and technician as
// CreateBookingSQL does: not past, branch open, technician of the branch.
var reschedulingSQL = `SELECT $2::timestamptz >= now(), ` + openSQL("$1", "$2", "$3") + `, ` + technicianSQL("$1", "$4")

// checkNewPeriod refuses (422) a new period in the past or when the branch
// is closed, and a technician who is not one of the branch's.
func checkNewPeriod(ctx context.Context, call *oltp.Call, branch int64, start time.Time, minutes int, tech int64) error {
	var future, open, techOK bool
	if err := call.Tx.QueryRow(ctx, reschedulingSQL, branch, start, minutes, tech).Scan(&future, &open, &techOK); err != nil {
		return err
	}
	var errs []error
	if !future {
		errs = append(errs, errors.New("starts_at is in the past"))
	}
	if !open {
		errs = append(errs, fmt.Errorf("branch %d is not open for the whole period", branch))
	}
	if !techOK {
		errs = append(errs, fmt.Errorf("staff member %d is not an active technician of branch %d", tech, branch))
	}
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

func releaseReservations(ctx context.Context, tx pgx.Tx, bookingID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE workshop.bay_reservation SET active = false WHERE booking_id = $1 AND active`, bookingID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE workshop.technician_booking SET active = false WHERE booking_id = $1 AND active`, bookingID)
	return err
}

func reserve(ctx context.Context, call *oltp.Call, b Booking, bay, tech int64) error {
	tag, err := call.Tx.Exec(ctx, `INSERT INTO workshop.bay_reservation (organisation_id, branch_id, booking_id, bay_id, period, active)
		SELECT bk.organisation_id, bk.branch_id, bk.id, sb.id, bk.period, true FROM workshop.booking bk
		JOIN workshop.service_bay sb ON sb.id = $2 AND sb.branch_id = bk.branch_id AND sb.active WHERE bk.id = $1`, b.ID, bay)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return oltp.Unprocessable(fmt.Sprintf("bay %d is not an active bay of branch %d", bay, b.BranchID))
	}
	_, err = call.Tx.Exec(ctx, `INSERT INTO workshop.technician_booking (organisation_id, branch_id, booking_id, technician_id, period, active)
		SELECT organisation_id, branch_id, id, $2, period, true FROM workshop.booking WHERE id = $1`, b.ID, tech)
	return err
}

func reload(ctx context.Context, tx pgx.Tx, id int64) (oltp.Result, error) {
	b, err := loadBooking(ctx, tx, id, false)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: b, ETag: oltp.ETag(b.ID, b.Version)}, nil
}

func cancelBooking(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req CancelRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if len(req.Reason) > 500 {
		return oltp.Result{}, oltp.Unprocessable("reason is limited to 500 characters")
	}
	b, err := lockForChange(ctx, call)
	if err != nil {
		return oltp.Result{}, err
	}
	_, err = call.Tx.Exec(ctx, `UPDATE workshop.booking SET
		status = CASE WHEN lower(period) - now() < interval '24 hours' THEN 'late_cancelled' ELSE 'cancelled' END::workshop.booking_status,
		cancelled_at = now(), cancellation_reason = NULLIF($2, '') WHERE id = $1 AND version = $3`, b.ID, req.Reason, b.Version)
	if err != nil {
		return oltp.Result{}, err
	}
	if err := releaseReservations(ctx, call.Tx, b.ID); err != nil {
		return oltp.Result{}, err
	}
	return reload(ctx, call.Tx, b.ID)
}

// Availability is the response of GET /v1/availability.
type Availability struct {
	Slots []Slot `json:"slots"`
}

// Slot is a start time with a bay and a technician free for the duration.
// Proficiency is the technician's at the requested labour operations
// (when the request names some and the technician has history in them).
type Slot struct {
	StartsAt     time.Time `json:"starts_at"`
	BayID        int64     `json:"bay_id"`
	TechnicianID int64     `json:"technician_id"`
	Proficiency  *float64  `json:"proficiency,omitempty"`
}

// AvailabilitySQL offers every 30-minute start inside the branch's opening
// hours (in its time zone) at which some active bay has no active
// reservation and some technician rostered at the branch for the whole
// period has no active booking. Starts before $4 (now, for the API) are
// not offered. Parameters: branch id, date, duration in minutes, not-before.
// Exported for the benchmarks, which run it on historical data.
//
// The day's reservations, shifts and technician bookings are read once
// (materialised CTEs) and the slots are checked against those small sets.
// Row-level security keeps non-leakproof operators such as range && out of
// index conditions, so per-slot index probes would each scan a bay's whole
// history.
const AvailabilitySQL = `
WITH br AS (SELECT id, timezone, opening_hours FROM core.branch WHERE id = $1 AND active),
win AS (
  SELECT ($2::date + (w->>0)::time) AT TIME ZONE br.timezone AS open_at,
         ($2::date + (w->>1)::time) AT TIME ZONE br.timezone AS close_at
  FROM br, jsonb_array_elements(br.opening_hours -> lower(to_char($2::date, 'Dy'))) w
),
day AS MATERIALIZED (SELECT tstzrange(min(open_at), max(close_at), '[)') AS r FROM win),
starts AS MATERIALIZED (
  SELECT s AS starts_at, tstzrange(s, s + make_interval(mins => $3), '[)') AS period
  FROM win, generate_series(win.open_at, win.close_at - make_interval(mins => $3), interval '30 minutes') s
  WHERE s >= $4::timestamptz
),
bays AS MATERIALIZED (SELECT id FROM workshop.service_bay WHERE branch_id = $1 AND active),
busy_bays AS MATERIALIZED (
  SELECT r.bay_id, r.period FROM workshop.bay_reservation r, day
  WHERE r.branch_id = $1 AND r.active AND r.period && day.r),
shifts AS MATERIALIZED (
  SELECT sh.staff_id, sh.period FROM core.staff_shift sh, day
  WHERE sh.branch_id = $1 AND sh.active AND sh.period && day.r
    AND EXISTS (SELECT 1 FROM core.staff_role sr WHERE sr.staff_id = sh.staff_id AND sr.role = 'technician')),
busy_techs AS MATERIALIZED (
  SELECT t.technician_id, t.period FROM workshop.technician_booking t, day
  WHERE t.branch_id = $1 AND t.active AND t.period && day.r),
offer AS (
  SELECT st.starts_at,
    (SELECT b.id FROM bays b WHERE NOT EXISTS (
       SELECT 1 FROM busy_bays x WHERE x.bay_id = b.id AND x.period && st.period) ORDER BY b.id LIMIT 1) AS bay_id,
    (SELECT sh.staff_id FROM shifts sh WHERE sh.period @> st.period AND NOT EXISTS (
       SELECT 1 FROM busy_techs x WHERE x.technician_id = sh.staff_id AND x.period && st.period) ORDER BY sh.staff_id LIMIT 1) AS technician_id
  FROM starts st
)
SELECT starts_at, bay_id, technician_id FROM offer
WHERE bay_id IS NOT NULL AND technician_id IS NOT NULL ORDER BY starts_at`

// availabilityParams are the query parameters of GET /v1/availability.
var availabilityParams = []oltp.Param{
	{Name: "branch_id", Type: oltp.ParamInteger, Required: true, Doc: "the branch"},
	{Name: "date", Type: oltp.ParamDate, Required: true, Doc: "the day, in the branch's time zone"},
	{Name: "duration_minutes", Type: oltp.ParamInteger, Required: true, Min: 15, Max: 720, Doc: "the length of the slot"},
	{Name: "labour_operation_ids", Type: oltp.ParamIDList,
		Doc: "comma-separated labour operation ids: each slot offers the free technician most proficient at them"},
}

func availability(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	branch, minutes := call.QueryInt("branch_id"), call.QueryInt("duration_minutes")
	day, err := oltp.ParseDate("date", call.Query("date"))
	if err != nil {
		return oltp.Result{}, err
	}
	var ops []int64
	if v := call.Query("labour_operation_ids"); v != "" {
		ops, _ = oltp.ParseIDList(v) // checked against its declaration
	}
	query, args := AvailabilitySQL, []any{branch, day, minutes, time.Now()}
	if len(ops) > 0 {
		query, args = rankedAvailabilitySQL, append(args, ops)
	}
	rows, err := call.Tx.Query(ctx, query, args...)
	if err != nil {
		return oltp.Result{}, err
	}
	slots, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Slot, error) {
		var s Slot
		dest := []any{&s.StartsAt, &s.BayID, &s.TechnicianID}
		if len(ops) > 0 {
			dest = append(dest, &s.Proficiency)
		}
		err := r.Scan(dest...)
		s.StartsAt = s.StartsAt.UTC()
		return s, err
	})
	if err != nil {
		return oltp.Result{}, err
	}
	if slots == nil {
		slots = []Slot{}
	}
	return oltp.Result{Status: http.StatusOK, Body: Availability{Slots: slots}}, nil
}
