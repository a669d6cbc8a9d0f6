package workshop

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// Booking is the API view of workshop.booking with its active reservations.
type Booking struct {
	ID                   int64     `json:"id"`
	BranchID             int64     `json:"branch_id"`
	CustomerID           int64     `json:"customer_id"`
	VehicleID            int64     `json:"vehicle_id"`
	StartsAt             time.Time `json:"starts_at"`
	EndsAt               time.Time `json:"ends_at"`
	DurationMinutes      int       `json:"duration_minutes"`
	BayID                *int64    `json:"bay_id"`
	TechnicianID         *int64    `json:"technician_id"`
	Status               string    `json:"status"`
	Channel              string    `json:"channel"`
	LabourOperationCodes []string  `json:"labour_operation_codes"`
	Notes                string    `json:"notes"`
	Version              int32     `json:"version"`
	CreatedAt            time.Time `json:"created_at"`
}

// BookingRequest is the body of POST /v1/bookings (DESIGN.md contract).
type BookingRequest struct {
	BranchID             int64     `json:"branch_id"`
	CustomerID           int64     `json:"customer_id"`
	VehicleID            int64     `json:"vehicle_id"`
	StartsAt             time.Time `json:"starts_at"`
	DurationMinutes      int       `json:"duration_minutes"`
	BayID                int64     `json:"bay_id"`
	TechnicianID         int64     `json:"technician_id"`
	LabourOperationCodes []string  `json:"labour_operation_codes"`
	Notes                string    `json:"notes"`
	Channel              string    `json:"channel,omitempty" doc:"phone (default), web, walk_in, app, partner"`
}

var channels = []string{"phone", "web", "walk_in", "app", "partner"}

// Validate checks what the database cannot say clearly; it reports every
// problem at once.
func (r *BookingRequest) Validate() error {
	var errs []error
	for _, f := range [...]struct {
		name string
		id   int64
	}{{"branch_id", r.BranchID}, {"customer_id", r.CustomerID}, {"vehicle_id", r.VehicleID}, {"bay_id", r.BayID},
		{"technician_id", r.TechnicianID}} {
		if f.id <= 0 {
			errs = append(errs, fmt.Errorf("%s must be a positive integer", f.name))
		}
	}
	errs = append(errs, validatePeriod(r.StartsAt, r.DurationMinutes)...)
	if len(r.LabourOperationCodes) > 20 {
		errs = append(errs, errors.New("at most 20 labour_operation_codes"))
	}
	for _, c := range r.LabourOperationCodes {
		if c == "" || len(c) > 32 {
			errs = append(errs, fmt.Errorf("labour operation code %q must be 1..32 characters", c))
		}
	}
	if len(r.Notes) > 2000 {
		errs = append(errs, errors.New("notes are limited to 2000 characters"))
	}
	if r.Channel == "" {
		r.Channel = "phone"
	} else if !slices.Contains(channels, r.Channel) {
		errs = append(errs, fmt.Errorf("channel %q is not one of %v", r.Channel, channels))
	}
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

func validatePeriod(start time.Time, minutes int) []error {
	var errs []error
	if start.IsZero() {
		errs = append(errs, errors.New("starts_at is required (RFC 3339)"))
	} else if start.Year() < 2000 || start.Year() > 2100 {
		errs = append(errs, errors.New("starts_at is out of range"))
	}
	if minutes < 15 || minutes > 12*60 {
		errs = append(errs, errors.New("duration_minutes must be from 15 to 720"))
	}
	return errs
}

// receptionists and managers book; technicians only read.
var (
	bookingWriters = []string{"receptionist", "manager"}
	bookingReaders = []string{"receptionist", "manager", "technician"}
)

// Register mounts the workshop workflows on api.
func Register(api *oltp.API) {
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/availability", Summary: "List free bay and technician slots (?labour_operation_ids=: the technician most proficient at them)",
		Roles: bookingReaders, Response: Availability{}, Query: availabilityParams}, availability)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/bookings", Summary: "Create a booking",
		Roles: bookingWriters, Request: BookingRequest{}, Response: Booking{}, Status: http.StatusCreated, Versioned: true}, createBooking)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/bookings/:id", Summary: "Read a booking",
		Roles: bookingReaders, Response: Booking{}, Versioned: true}, getBooking)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/bookings", Summary: "List bookings of a branch",
		Roles: bookingReaders, Response: oltp.Collection[Booking]{}, Query: bookingListParams}, listBookings)
	api.Write(oltp.Route{Method: http.MethodPatch, Path: "/v1/bookings/:id", Summary: "Reschedule a booking",
		Roles: bookingWriters, Request: RescheduleRequest{}, Response: Booking{}, Versioned: true}, rescheduleBooking)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/bookings/:id/cancel", Summary: "Cancel a booking",
		Roles: bookingWriters, Request: CancelRequest{}, Response: Booking{}, Versioned: true}, cancelBooking)
	registerCheckIn(api)
	registerRepairs(api)
}

// CreateBookingSQL checks what the booking references and, when every
// check passes, inserts the booking and both reservations, all in one
// statement (one round trip). The checks run as the caller, so row-level
// security decides what is visible: branch, customer, vehicle, technician
// and bay must be seen (else 404); the vehicle must be kept by the
// customer now, the technician must hold the technician role at the
// branch, the bay must be an active bay of the branch, the branch must be
// open for the whole period in its own time zone, the start must not be
// past and every labour operation code must be known (else 422). Each
// referenced row is read once, in chk: branch, staff member and bay are
// joined there and the inserts reuse what chk established. The exclusion
// constraints on bay_reservation and technician_booking are what make a
// double booking impossible. Exported for the benchmarks, which drive the
// same statement.
var CreateBookingSQL = `
WITH chk AS (
  SELECT
    br.id IS NOT NULL AS branch_seen,
    core.in_branch_scope($2) AS branch_in_scope,
    EXISTS (SELECT 1 FROM core.customer c WHERE c.id = $3) AS customer_seen,
    EXISTS (SELECT 1 FROM core.vehicle v WHERE v.id = $4) AS vehicle_seen,
    s.id IS NOT NULL AS technician_seen,
    sb.id IS NOT NULL AS bay_seen,
    coalesce(sb.branch_id = $2 AND sb.active, false) AS bay_ok,
    EXISTS (SELECT 1 FROM core.vehicle_ownership vo
            WHERE vo.vehicle_id = $4 AND vo.customer_id = $3 AND vo.period @> now()) AS vehicle_kept,
    coalesce(s.active, false) AND ` + technicianRoleSQL("$2", "$12") + ` AS technician_ok,
    br.id IS NOT NULL AND ` + openHoursSQL("br", "$5", "$6") + ` AS open,
    $5::timestamptz >= now() AS future,
    cardinality($8::text[]) = 0
      OR (SELECT count(*) FROM workshop.labour_operation lo WHERE lo.organisation_id = $1 AND lo.code = ANY ($8::text[]) AND lo.active)
         = cardinality(ARRAY(SELECT DISTINCT unnest($8::text[]))) AS codes_known
  FROM (SELECT) one
  LEFT JOIN core.branch br ON br.id = $2 AND br.active
  LEFT JOIN core.staff s ON s.id = $12
  LEFT JOIN workshop.service_bay sb ON sb.id = $11
), ok AS (
  SELECT 1 FROM chk WHERE branch_seen AND branch_in_scope AND customer_seen AND vehicle_seen AND technician_seen AND bay_seen
    AND vehicle_kept AND technician_ok AND bay_ok AND open AND future AND codes_known
), b AS (
  INSERT INTO workshop.booking (organisation_id, branch_id, customer_id, vehicle_id, period, channel, status,
    labour_operation_codes, notes, booked_by_staff_id, reminder_due_at)
  SELECT $1, $2, $3, $4, tstzrange($5::timestamptz, $5::timestamptz + make_interval(mins => $6), '[)'), $7::workshop.booking_channel, 'booked',
    $8, NULLIF($9, ''), $10, $5::timestamptz - interval '24 hours'
  FROM ok
  RETURNING id, period, status, version, created_at
), bay AS (
  INSERT INTO workshop.bay_reservation (organisation_id, branch_id, booking_id, bay_id, period, active)
  SELECT $1, $2, b.id, $11, b.period, true FROM b
  RETURNING bay_id
), tech AS (
  -- Reading bay's output orders the inserts: bay first, then technician,
  -- in every transaction. (Sibling data-modifying CTEs otherwise run in no
  -- fixed order, and two racing bookings could deadlock.)
  INSERT INTO workshop.technician_booking (organisation_id, branch_id, booking_id, technician_id, period, active)
  SELECT $1, $2, b.id, $12, b.period, true FROM b, bay
  RETURNING technician_id
)
SELECT b.id, b.status::text, b.version, b.created_at, (SELECT count(*) FROM bay), (SELECT count(*) FROM tech),
  chk.branch_seen, chk.branch_in_scope, chk.customer_seen, chk.vehicle_seen, chk.technician_seen, chk.bay_seen, chk.vehicle_kept,
  chk.technician_ok, chk.bay_ok, chk.open, chk.future, chk.codes_known
FROM chk LEFT JOIN b ON true`

// openSQL is true when the branch is open for the whole period from start
// for minutes (see openHoursSQL). Arguments are SQL expressions.
func openSQL(branch, start, minutes string) string {
	return `EXISTS (SELECT 1 FROM core.branch br WHERE br.id = ` + branch + ` AND ` + openHoursSQL("br", start, minutes) + `)`
}

// openHoursSQL is true when the branch row br (an alias in scope) is open
// for the whole period from start for minutes, in the branch's own time
// zone: some interval of that weekday's opening_hours ({"mon": [["08:00",
// "18:00"]], …}; a day that is missing or empty is closed) holds it.
// Arguments are SQL expressions.
func openHoursSQL(br, start, minutes string) string {
	return strings.NewReplacer("BR", br, "START", start, "MINUTES", minutes).Replace(`EXISTS (SELECT 1
      FROM (SELECT START::timestamptz AT TIME ZONE BR.timezone AS ls,
                   (START::timestamptz + make_interval(mins => MINUTES)) AT TIME ZONE BR.timezone AS le) t
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(BR.opening_hours -> lower(to_char(t.ls, 'Dy'))) = 'array'
                                                   THEN BR.opening_hours -> lower(to_char(t.ls, 'Dy')) ELSE '[]' END) h
      WHERE t.ls >= t.ls::date + (h ->> 0)::time AND t.le <= t.ls::date + (h ->> 1)::time)`)
}

// technicianSQL is true when staff is active and holds the technician
// role at branch (or organisation-wide).
func technicianSQL(branch, staff string) string {
	return `EXISTS (SELECT 1 FROM core.staff s WHERE s.id = ` + staff + ` AND s.active AND ` + technicianRoleSQL(branch, staff) + `)`
}

// technicianRoleSQL is true when staff holds the technician role at branch
// (or organisation-wide).
func technicianRoleSQL(branch, staff string) string {
	return strings.NewReplacer("BRANCH", branch, "STAFF", staff).Replace(`EXISTS (SELECT 1 FROM core.staff_role sr
      WHERE sr.staff_id = STAFF AND sr.role = 'technician' AND (sr.branch_id = BRANCH OR sr.branch_id IS NULL))`)
}

// bookingChecks are the reference checks of CreateBookingSQL, in its
// column order.
type bookingChecks struct {
	branchSeen, branchInScope                                  bool
	customerSeen, vehicleSeen, technicianSeen, baySeen         bool
	vehicleKept, technicianOK, bayOK, open, future, codesKnown bool
}

// refusal turns failed checks into the error the client gets: 404 for a
// reference the caller cannot see (existence stays hidden), 403 for a
// branch of the caller's organisation outside their branches, else 422
// with every inconsistency named.
func (k bookingChecks) refusal(req BookingRequest) error {
	if !k.branchSeen {
		return oltp.NotFound(fmt.Sprintf("branch %d does not exist", req.BranchID))
	}
	if !k.branchInScope {
		return oltp.Forbidden(fmt.Sprintf("branch %d is not one of your branches", req.BranchID))
	}
	for _, ref := range []struct {
		seen bool
		what string
		id   int64
	}{{k.customerSeen, "customer", req.CustomerID},
		{k.vehicleSeen, "vehicle", req.VehicleID}, {k.technicianSeen, "technician", req.TechnicianID}, {k.baySeen, "bay", req.BayID}} {
		if !ref.seen {
			return oltp.NotFound(fmt.Sprintf("%s %d does not exist", ref.what, ref.id))
		}
	}
	var errs []error
	if !k.vehicleKept {
		errs = append(errs, fmt.Errorf("vehicle %d is not kept by customer %d", req.VehicleID, req.CustomerID))
	}
	if !k.technicianOK {
		errs = append(errs, fmt.Errorf("staff member %d is not an active technician of branch %d", req.TechnicianID, req.BranchID))
	}
	if !k.bayOK {
		errs = append(errs, fmt.Errorf("bay %d is not an active bay of branch %d", req.BayID, req.BranchID))
	}
	if !k.future {
		errs = append(errs, errors.New("starts_at is in the past"))
	}
	if !k.open {
		errs = append(errs, fmt.Errorf("branch %d is not open for the whole period", req.BranchID))
	}
	if !k.codesKnown {
		errs = append(errs, errors.New("labour_operation_codes holds a code that is not an active labour operation"))
	}
	if len(errs) == 0 {
		return nil
	}
	return oltp.Unprocessable(errors.Join(errs...).Error())
}

func createBooking(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req BookingRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	codes := req.LabourOperationCodes
	if codes == nil {
		codes = []string{}
	}
	bk := Booking{BranchID: req.BranchID, CustomerID: req.CustomerID, VehicleID: req.VehicleID,
		StartsAt: req.StartsAt.UTC(), DurationMinutes: req.DurationMinutes, Channel: req.Channel,
		LabourOperationCodes: codes, Notes: req.Notes, BayID: &req.BayID, TechnicianID: &req.TechnicianID}
	bk.EndsAt = bk.StartsAt.Add(time.Duration(req.DurationMinutes) * time.Minute)
	var id *int64
	var status *string
	var version *int32
	var created *time.Time
	var bays, techs *int64
	var k bookingChecks
	// The statement writes nothing unless every check passes, so it can
	// end the transaction (one round trip; see oltp.Call.Final).
	err := call.Final(ctx, CreateBookingSQL, call.P.OrganisationID, req.BranchID, req.CustomerID, req.VehicleID,
		bk.StartsAt, req.DurationMinutes, req.Channel, codes, req.Notes, call.P.StaffID, req.BayID, req.TechnicianID,
	).Scan(&id, &status, &version, &created, &bays, &techs, &k.branchSeen, &k.branchInScope, &k.customerSeen, &k.vehicleSeen,
		&k.technicianSeen, &k.baySeen, &k.vehicleKept, &k.technicianOK, &k.bayOK, &k.open, &k.future, &k.codesKnown)
	if err != nil {
		return oltp.Result{}, err
	}
	if err := k.refusal(req); err != nil {
		return oltp.Result{}, err
	}
	if id == nil || *bays != 1 {
		return oltp.Result{}, oltp.Unprocessable(fmt.Sprintf("bay %d is not an active bay of branch %d", req.BayID, req.BranchID))
	}
	if *techs != 1 {
		return oltp.Result{}, oltp.Unprocessable(fmt.Sprintf("technician %d cannot be booked", req.TechnicianID))
	}
	bk.ID, bk.Status, bk.Version, bk.CreatedAt = *id, *status, *version, *created
	return oltp.Result{Status: http.StatusCreated, Body: bk, ETag: oltp.ETag(bk.ID, bk.Version),
		Location: "/v1/bookings/" + strconv.FormatInt(bk.ID, 10)}, nil
}

const selectBooking = `
SELECT bk.id, bk.branch_id, bk.customer_id, bk.vehicle_id, lower(bk.period), upper(bk.period),
  bk.status::text, bk.channel::text, bk.labour_operation_codes, coalesce(bk.notes, ''), bk.version, bk.created_at,
  (SELECT r.bay_id FROM workshop.bay_reservation r WHERE r.booking_id = bk.id AND r.active LIMIT 1),
  (SELECT t.technician_id FROM workshop.technician_booking t WHERE t.booking_id = bk.id AND t.active LIMIT 1)
FROM workshop.booking bk`

func scanBooking(row pgx.Row) (Booking, error) {
	var b Booking
	err := row.Scan(&b.ID, &b.BranchID, &b.CustomerID, &b.VehicleID, &b.StartsAt, &b.EndsAt, &b.Status, &b.Channel,
		&b.LabourOperationCodes, &b.Notes, &b.Version, &b.CreatedAt, &b.BayID, &b.TechnicianID)
	b.DurationMinutes = int(b.EndsAt.Sub(b.StartsAt).Minutes())
	b.StartsAt, b.EndsAt, b.CreatedAt = b.StartsAt.UTC(), b.EndsAt.UTC(), b.CreatedAt.UTC()
	if b.LabourOperationCodes == nil {
		b.LabourOperationCodes = []string{}
	}
	return b, err
}

func loadBooking(ctx context.Context, tx pgx.Tx, id int64, lock bool) (Booking, error) {
	q := selectBooking + " WHERE bk.id = $1"
	if lock {
		q += " FOR UPDATE OF bk"
	}
	b, err := scanBooking(tx.QueryRow(ctx, q, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, oltp.NotFound("booking " + strconv.FormatInt(id, 10) + " does not exist")
	}
	return b, err
}

func getBooking(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	b, err := loadBooking(ctx, call.Tx, id, false)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: b, ETag: oltp.ETag(b.ID, b.Version)}, nil
}

// bookingListParams are the query parameters of GET /v1/bookings.
var bookingListParams = append([]oltp.Param{{Name: "branch_id", Type: oltp.ParamInteger, Required: true, Doc: "the branch"}},
	oltp.PageParams...)

func listBookings(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	page, err := oltp.ParsePage(call.Gin)
	if err != nil {
		return oltp.Result{}, err
	}
	branch := call.QueryInt("branch_id")
	rows, err := call.Tx.Query(ctx, selectBooking+` WHERE bk.branch_id = $1 AND bk.id > $2 ORDER BY bk.id LIMIT $3`,
		branch, page.After, page.Limit+1)
	if err != nil {
		return oltp.Result{}, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Booking, error) { return scanBooking(r) })
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: oltp.NewCollection(items, page.Limit, func(b Booking) int64 { return b.ID })}, nil
}
