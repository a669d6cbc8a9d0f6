package chauffeur

import (
	"context"
	"encoding/json"
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

// Ride is the API view of chauffeur.ride_booking with its current
// (offered or accepted) assignment. It carries no pay or cost fields.
type Ride struct {
	ID                       int64          `json:"id"`
	BranchID                 int64          `json:"branch_id"`
	BookerCustomerID         int64          `json:"booker_customer_id"`
	PassengerCustomerID      int64          `json:"passenger_customer_id"`
	ServiceType              string         `json:"service_type"`
	Status                   string         `json:"status"`
	RequestedVehicleClass    *string        `json:"requested_vehicle_class"`
	PickupAt                 time.Time      `json:"pickup_at"`
	EstimatedDurationMinutes int            `json:"estimated_duration_minutes"`
	PickupAddress            string         `json:"pickup_address"`
	DropoffAddress           *string        `json:"dropoff_address"`
	PassengerCount           int            `json:"passenger_count"`
	LuggageCount             int            `json:"luggage_count"`
	Metadata                 map[string]any `json:"metadata"`
	QuotedAmount             *json.Number   `json:"quoted_amount" doc:"decimal"`
	Assignment               *Assignment    `json:"assignment"`
	Version                  int32          `json:"version"`
	CreatedAt                time.Time      `json:"created_at"`
}

// RideRequest is the body of POST /v1/rides. A ride starts quoted; post a
// "confirmed" event to confirm it.
type RideRequest struct {
	BranchID                 int64          `json:"branch_id"`
	BookerCustomerID         int64          `json:"booker_customer_id"`
	PassengerCustomerID      int64          `json:"passenger_customer_id,omitempty" doc:"defaults to the booker"`
	ServiceType              string         `json:"service_type" doc:"airport_arrival, airport_departure, point_to_point, hourly"`
	PickupAt                 time.Time      `json:"pickup_at"`
	EstimatedDurationMinutes int            `json:"estimated_duration_minutes"`
	PickupAddress            string         `json:"pickup_address"`
	DropoffAddress           string         `json:"dropoff_address,omitempty"`
	RequestedVehicleClass    string         `json:"requested_vehicle_class,omitempty" doc:"sedan, executive, suv, van, minibus, luxury"`
	PassengerCount           int            `json:"passenger_count,omitempty" doc:"default 1"`
	LuggageCount             int            `json:"luggage_count,omitempty"`
	Metadata                 map[string]any `json:"metadata,omitempty" doc:"flight_number, airline, terminal, sign_text, child_seats, notes; at most 8 KiB"`
	QuotedAmount             *json.Number   `json:"quoted_amount,omitempty" doc:"decimal"`
}

var (
	serviceTypes   = []string{"airport_arrival", "airport_departure", "point_to_point", "hourly"}
	vehicleClasses = []string{"sedan", "executive", "suv", "van", "minibus", "luxury"}
)

// MaxMetadataBytes bounds a ride's metadata document.
const MaxMetadataBytes = 8 << 10

// Validate checks the request and normalises defaults; it reports every
// problem at once.
func (r *RideRequest) Validate() error {
	var errs []error
	if r.PassengerCustomerID == 0 {
		r.PassengerCustomerID = r.BookerCustomerID
	}
	for name, id := range map[string]int64{"branch_id": r.BranchID, "booker_customer_id": r.BookerCustomerID,
		"passenger_customer_id": r.PassengerCustomerID} {
		if id <= 0 {
			errs = append(errs, fmt.Errorf("%s must be a positive integer", name))
		}
	}
	if !slices.Contains(serviceTypes, r.ServiceType) {
		errs = append(errs, fmt.Errorf("service_type must be one of %v", serviceTypes))
	}
	if r.RequestedVehicleClass != "" && !slices.Contains(vehicleClasses, r.RequestedVehicleClass) {
		errs = append(errs, fmt.Errorf("requested_vehicle_class must be one of %v", vehicleClasses))
	}
	errs = append(errs, r.validateTrip()...)
	if r.QuotedAmount != nil {
		if err := checkMoney("quoted_amount", *r.QuotedAmount, false); err != nil {
			errs = append(errs, err)
		}
	}
	meta, err := normaliseMetadata(r.Metadata)
	if err != nil {
		errs = append(errs, err)
	}
	r.Metadata = meta
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

func (r *RideRequest) validateTrip() []error {
	var errs []error
	if r.PickupAt.IsZero() {
		errs = append(errs, errors.New("pickup_at is required (RFC 3339)"))
	} else if r.PickupAt.Year() < 2000 || r.PickupAt.Year() > 2100 {
		errs = append(errs, errors.New("pickup_at is out of range"))
	}
	if r.EstimatedDurationMinutes < 5 || r.EstimatedDurationMinutes > 24*60 {
		errs = append(errs, errors.New("estimated_duration_minutes must be from 5 to 1440"))
	}
	if strings.TrimSpace(r.PickupAddress) == "" || len(r.PickupAddress) > 500 {
		errs = append(errs, errors.New("pickup_address is required, at most 500 characters"))
	}
	if len(r.DropoffAddress) > 500 {
		errs = append(errs, errors.New("dropoff_address is limited to 500 characters"))
	}
	if r.PassengerCount == 0 {
		r.PassengerCount = 1
	}
	if r.PassengerCount < 1 || r.PassengerCount > 60 || r.LuggageCount < 0 || r.LuggageCount > 100 {
		errs = append(errs, errors.New("passenger_count must be 1..60 and luggage_count 0..100"))
	}
	return errs
}

// metadataStrings are the well-known string keys and their length limits.
var metadataStrings = map[string]int{"flight_number": 10, "airline": 80, "terminal": 20, "sign_text": 200, "notes": 2000}

// normaliseMetadata checks the well-known keys (the body decoder already
// made sure it is a JSON object) and the size, and normalises the flight
// number (upper case, no spaces) so containment search finds it.
func normaliseMetadata(m map[string]any) (map[string]any, error) {
	if m == nil {
		return map[string]any{}, nil
	}
	var errs []error
	for key, limit := range metadataStrings {
		v, ok := m[key]
		if !ok {
			continue
		}
		s, isString := v.(string)
		if !isString || len(s) > limit {
			errs = append(errs, fmt.Errorf("metadata.%s must be a string of at most %d characters", key, limit))
		}
	}
	if f, ok := m["flight_number"].(string); ok {
		m["flight_number"] = normaliseFlight(f)
	}
	if v, ok := m["child_seats"]; ok {
		n, isNum := v.(json.Number)
		if i, err := n.Int64(); !isNum || err != nil || i < 0 || i > 6 {
			errs = append(errs, errors.New("metadata.child_seats must be an integer from 0 to 6"))
		}
	}
	if b, err := json.Marshal(m); err != nil || len(b) > MaxMetadataBytes {
		errs = append(errs, fmt.Errorf("metadata is limited to %d bytes of JSON", MaxMetadataBytes))
	}
	return m, errors.Join(errs...)
}

func normaliseFlight(f string) string { return strings.ToUpper(strings.ReplaceAll(f, " ", "")) }

// createRideSQL inserts the ride only when branch and customers are
// visible to the caller: foreign keys bypass row-level security, so they
// alone would accept another tenant's customer.
const createRideSQL = `
INSERT INTO chauffeur.ride_booking (organisation_id, branch_id, booker_customer_id, passenger_customer_id, service_type,
  requested_vehicle_class, pickup_at, estimated_duration_minutes, pickup_address, dropoff_address,
  passenger_count, luggage_count, metadata, quoted_amount)
SELECT $1, b.id, $3, $4, $5::chauffeur.ride_service_type, NULLIF($6, '')::chauffeur.vehicle_class, $7, $8, $9, NULLIF($10, ''),
  $11, $12, $13, $14::numeric
FROM core.branch b
WHERE b.id = $2 AND b.active
  AND EXISTS (SELECT 1 FROM core.customer c WHERE c.id = $3)
  AND EXISTS (SELECT 1 FROM core.customer c WHERE c.id = $4)
RETURNING id`

func createRide(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req RideRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if err := oltp.Visible(ctx, call.Tx, oltp.Ref{What: "branch", Table: "core.branch", ID: req.BranchID},
		oltp.Ref{What: "customer", Table: "core.customer", ID: req.BookerCustomerID},
		oltp.Ref{What: "customer", Table: "core.customer", ID: req.PassengerCustomerID}); err != nil {
		return oltp.Result{}, err
	}
	var id int64
	err := call.Tx.QueryRow(ctx, createRideSQL, call.P.OrganisationID, req.BranchID, req.BookerCustomerID, req.PassengerCustomerID,
		req.ServiceType, req.RequestedVehicleClass, req.PickupAt, req.EstimatedDurationMinutes, req.PickupAddress,
		req.DropoffAddress, req.PassengerCount, req.LuggageCount, req.Metadata, moneyArg(req.QuotedAmount)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return oltp.Result{}, oltp.Unprocessable(fmt.Sprintf("branch %d is not active", req.BranchID))
	} else if err != nil {
		return oltp.Result{}, fmt.Errorf("create ride: %w", err)
	}
	if err := appendEvent(ctx, call.Tx, call.P, id, "", "quoted", nil, ""); err != nil {
		return oltp.Result{}, err
	}
	res, err := rideResult(ctx, call.Tx, id)
	res.Status, res.Location = http.StatusCreated, "/v1/rides/"+strconv.FormatInt(id, 10)
	return res, err
}

// selectRide reads a ride and its current assignment. Row-level security
// limits both to what the caller may see.
const selectRide = `
SELECT r.id, r.branch_id, r.booker_customer_id, r.passenger_customer_id, r.service_type::text, r.status::text,
  r.requested_vehicle_class::text, r.pickup_at, r.estimated_duration_minutes, r.pickup_address, r.dropoff_address,
  r.passenger_count, r.luggage_count, r.metadata, r.quoted_amount::text, r.version, r.created_at,
  a.id, a.chauffeur_id, a.fleet_vehicle_id, a.status::text, lower(a.period), upper(a.period), a.offered_at, a.responded_at
FROM chauffeur.ride_booking r
LEFT JOIN LATERAL (SELECT * FROM chauffeur.dispatch_assignment d
  WHERE d.ride_booking_id = r.id AND d.status IN ('offered', 'accepted', 'completed')
  ORDER BY d.id DESC LIMIT 1) a ON true`

func scanRide(row pgx.Row) (Ride, error) {
	var r Ride
	var a struct {
		ID, Chauffeur, Vehicle *int64
		Status                 *string
		Start, End, Offered    *time.Time
		Responded              *time.Time
	}
	err := row.Scan(&r.ID, &r.BranchID, &r.BookerCustomerID, &r.PassengerCustomerID, &r.ServiceType, &r.Status,
		&r.RequestedVehicleClass, &r.PickupAt, &r.EstimatedDurationMinutes, &r.PickupAddress, &r.DropoffAddress,
		&r.PassengerCount, &r.LuggageCount, &r.Metadata, &r.QuotedAmount, &r.Version, &r.CreatedAt,
		&a.ID, &a.Chauffeur, &a.Vehicle, &a.Status, &a.Start, &a.End, &a.Offered, &a.Responded)
	if err != nil {
		return r, err
	}
	r.PickupAt, r.CreatedAt = r.PickupAt.UTC(), r.CreatedAt.UTC()
	if a.ID != nil {
		r.Assignment = &Assignment{ID: *a.ID, RideID: r.ID, ChauffeurID: *a.Chauffeur, FleetVehicleID: *a.Vehicle,
			Status: *a.Status, StartsAt: a.Start.UTC(), EndsAt: a.End.UTC(), OfferedAt: a.Offered.UTC(), RespondedAt: utcPtr(a.Responded)}
	}
	return r, nil
}

func loadRide(ctx context.Context, tx pgx.Tx, id int64) (Ride, error) {
	r, err := scanRide(tx.QueryRow(ctx, selectRide+" WHERE r.id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, rideNotFound(id)
	} else if err != nil {
		return r, fmt.Errorf("load ride %d: %w", id, err)
	}
	return r, nil
}

func rideNotFound(id int64) error {
	return oltp.NotFound("ride " + strconv.FormatInt(id, 10) + " does not exist")
}

func rideResult(ctx context.Context, tx pgx.Tx, id int64) (oltp.Result, error) {
	r, err := loadRide(ctx, tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: r, ETag: oltp.ETag(r.ID, r.Version)}, nil
}

func getRide(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	return rideResult(ctx, call.Tx, id)
}

// rideListQuery builds the list query. With a flight number the filter is
// metadata @> $n, which the GIN index ride_booking_metadata_gin
// (jsonb_path_ops) serves; the containment document is built in Go and
// bound as a parameter. The SQL is assembled from constant fragments only
// (values are always bound), so each filter combination has its own plan.
func rideListQuery(flight, status string, after int64, limit int) (string, []any) {
	q, args := selectRide+" WHERE r.id > $1", []any{after}
	if flight != "" {
		doc, _ := json.Marshal(map[string]string{"flight_number": normaliseFlight(flight)})
		args = append(args, string(doc))
		q += fmt.Sprintf(" AND r.metadata @> $%d::jsonb", len(args))
	}
	if status != "" {
		args = append(args, status)
		q += fmt.Sprintf(" AND r.status = $%d::chauffeur.ride_status", len(args))
	}
	args = append(args, limit)
	return q + fmt.Sprintf(" ORDER BY r.id LIMIT $%d", len(args)), args
}

// rideListParams are the filters of the rides collection.
var rideListParams = append(slices.Clone(oltp.PageParams),
	oltp.Param{Name: "flight", Type: oltp.ParamString, MaxLen: 10, Doc: "only rides meeting this flight"},
	oltp.EnumParam("status", allStatuses, "only rides in this status"))

// listRides pages through the rides the caller may see (?flight=,
// ?status=, keyset ?cursor=).
func listRides(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	page, err := oltp.ParsePage(call.Gin)
	if err != nil {
		return oltp.Result{}, err
	}
	flight, status := call.Query("flight"), call.Query("status")
	q, args := rideListQuery(flight, status, page.After, page.Limit+1)
	rows, err := call.Tx.Query(ctx, q, args...)
	if err != nil {
		return oltp.Result{}, fmt.Errorf("list rides: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Ride, error) { return scanRide(r) })
	if err != nil {
		return oltp.Result{}, fmt.Errorf("list rides: %w", err)
	}
	return oltp.Result{Body: oltp.NewCollection(items, page.Limit, func(r Ride) int64 { return r.ID })}, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
