package customers

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// Vehicle is the API view of core.vehicle with its current keeper.
type Vehicle struct {
	ID                int64     `json:"id"`
	VIN               string    `json:"vin"`
	RegistrationPlate *string   `json:"registration_plate"`
	Make              string    `json:"make"`
	Model             string    `json:"model"`
	ModelYear         *int32    `json:"model_year"`
	FuelType          *string   `json:"fuel_type"`
	Colour            *string   `json:"colour"`
	OwnerCustomerID   *int64    `json:"owner_customer_id"`
	Version           int32     `json:"version"`
	CreatedAt         time.Time `json:"created_at"`
}

// VehicleInput is the body of POST /v1/vehicles and PATCH /v1/vehicles/{id}.
// A different owner_customer_id on PATCH records a change of keeper.
type VehicleInput struct {
	VIN               string  `json:"vin"`
	RegistrationPlate *string `json:"registration_plate,omitempty"`
	Make              string  `json:"make"`
	Model             string  `json:"model"`
	ModelYear         *int32  `json:"model_year,omitempty"`
	FuelType          *string `json:"fuel_type,omitempty"`
	Colour            *string `json:"colour,omitempty"`
	OwnerCustomerID   *int64  `json:"owner_customer_id,omitempty"`
}

var vinPattern = regexp.MustCompile(`^[A-HJ-NPR-Z0-9]{11,17}$`)

// Validate reports every problem at once.
func (in *VehicleInput) Validate() error {
	in.VIN = strings.ToUpper(strings.TrimSpace(in.VIN))
	var errs []error
	if !vinPattern.MatchString(in.VIN) {
		errs = append(errs, errors.New("vin must be 11 to 17 characters of A-Z (no I, O, Q) and 0-9"))
	}
	if strings.TrimSpace(in.Make) == "" || len(in.Make) > 60 {
		errs = append(errs, errors.New("make is required (at most 60 characters)"))
	}
	if strings.TrimSpace(in.Model) == "" || len(in.Model) > 60 {
		errs = append(errs, errors.New("model is required (at most 60 characters)"))
	}
	if in.ModelYear != nil && (*in.ModelYear < 1900 || *in.ModelYear > 2100) {
		errs = append(errs, errors.New("model_year must be from 1900 to 2100"))
	}
	if in.OwnerCustomerID != nil && *in.OwnerCustomerID <= 0 {
		errs = append(errs, errors.New("owner_customer_id must be a positive integer"))
	}
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

func registerVehicles(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/vehicles", Summary: "Create a vehicle",
		Roles: customerWriters, Request: VehicleInput{}, Response: Vehicle{}, Status: http.StatusCreated, Versioned: true}, createVehicle)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/vehicles/:id", Summary: "Read a vehicle",
		Roles: customerReaders, Response: Vehicle{}, Versioned: true}, getVehicle)
	api.Write(oltp.Route{Method: http.MethodPatch, Path: "/v1/vehicles/:id", Summary: "Update a vehicle",
		Roles: customerWriters, Request: VehicleInput{}, Response: Vehicle{}, Versioned: true}, updateVehicle)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/vehicles", Summary: "Find vehicles by VIN or registration plate",
		Roles: customerReaders, Response: oltp.Collection[Vehicle]{}, Query: vehicleSearchParams}, searchVehicles)
}

const vehicleSelect = `SELECT v.id, v.vin, v.registration_plate, v.make, v.model, v.model_year, v.fuel_type, v.colour,
	(SELECT o.customer_id FROM core.vehicle_ownership o WHERE o.vehicle_id = v.id AND o.period @> now() LIMIT 1),
	v.version, v.created_at FROM core.vehicle v`

func scanVehicle(row pgx.Row) (Vehicle, error) {
	var v Vehicle
	err := row.Scan(&v.ID, &v.VIN, &v.RegistrationPlate, &v.Make, &v.Model, &v.ModelYear, &v.FuelType, &v.Colour,
		&v.OwnerCustomerID, &v.Version, &v.CreatedAt)
	v.CreatedAt = v.CreatedAt.UTC()
	return v, err
}

func loadVehicle(ctx context.Context, tx pgx.Tx, id int64) (oltp.Result, error) {
	v, err := scanVehicle(tx.QueryRow(ctx, vehicleSelect+` WHERE v.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return oltp.Result{}, oltp.NotFound("vehicle " + strconv.FormatInt(id, 10) + " does not exist")
	} else if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: v, ETag: oltp.ETag(v.ID, v.Version), Location: "/v1/vehicles/" + strconv.FormatInt(v.ID, 10)}, nil
}

func createVehicle(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var in VehicleInput
	if err := call.Bind(&in); err != nil {
		return oltp.Result{}, err
	}
	if err := keeperInScope(ctx, call, in.OwnerCustomerID); err != nil {
		return oltp.Result{}, err
	}
	var id int64
	err := call.Tx.QueryRow(ctx, `INSERT INTO core.vehicle (organisation_id, vin, registration_plate, make, model, model_year, fuel_type, colour)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, call.P.OrganisationID, in.VIN, in.RegistrationPlate, in.Make, in.Model,
		in.ModelYear, in.FuelType, in.Colour).Scan(&id)
	if err != nil {
		return oltp.Result{}, err
	}
	if err := setKeeper(ctx, call, id, in.OwnerCustomerID); err != nil {
		return oltp.Result{}, err
	}
	res, err := loadVehicle(ctx, call.Tx, id)
	res.Status = http.StatusCreated
	return res, err
}

// keeperInScope checks a new keeper: the caller must see the customer
// (404) and the customer must be homed at one of the caller's branches or
// organisation-wide (403). The foreign key alone would accept another
// organisation's customer: foreign-key checks bypass row-level security.
func keeperInScope(ctx context.Context, call *oltp.Call, customer *int64) error {
	if customer == nil {
		return nil
	}
	_, err := loadCustomerInScope(ctx, call, *customer)
	return err
}

// vehicleInScope refuses changes to a vehicle kept by a customer the
// caller cannot see (404, as if the vehicle were not there) or homed at a
// branch outside the caller's scope (403).
func vehicleInScope(ctx context.Context, call *oltp.Call, vehicleID int64) error {
	var keeper int64
	err := call.Tx.QueryRow(ctx, `SELECT customer_id FROM core.vehicle_ownership WHERE vehicle_id = $1 AND period @> now()`, vehicleID).Scan(&keeper)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	_, err = loadCustomerInScope(ctx, call, keeper)
	var e *oltp.Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return oltp.NotFound("vehicle " + strconv.FormatInt(vehicleID, 10) + " does not exist")
	}
	return err
}

// setKeeper ends the current ownership and starts one for customer (the
// exclusion constraint allows one keeper at a time).
func setKeeper(ctx context.Context, call *oltp.Call, vehicleID int64, customer *int64) error {
	if customer == nil {
		return nil
	}
	var current *int64
	err := call.Tx.QueryRow(ctx, `SELECT customer_id FROM core.vehicle_ownership WHERE vehicle_id = $1 AND period @> now() FOR UPDATE`, vehicleID).Scan(&current)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if current != nil && *current == *customer {
		return nil
	}
	if _, err := call.Tx.Exec(ctx, `UPDATE core.vehicle_ownership SET period = tstzrange(lower(period), now(), '[)')
		WHERE vehicle_id = $1 AND period @> now()`, vehicleID); err != nil {
		return err
	}
	_, err = call.Tx.Exec(ctx, `INSERT INTO core.vehicle_ownership (organisation_id, vehicle_id, customer_id, period)
		VALUES ($1, $2, $3, tstzrange(now(), NULL, '[)'))`, call.P.OrganisationID, vehicleID, *customer)
	return err
}

func getVehicle(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	return loadVehicle(ctx, call.Tx, id)
}

func updateVehicle(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, want, err := call.IDIfMatch()
	if err != nil {
		return oltp.Result{}, err
	}
	var in VehicleInput
	if err := call.Bind(&in); err != nil {
		return oltp.Result{}, err
	}
	if err := vehicleInScope(ctx, call, id); err != nil {
		return oltp.Result{}, err
	}
	if err := keeperInScope(ctx, call, in.OwnerCustomerID); err != nil {
		return oltp.Result{}, err
	}
	tag, err := call.Tx.Exec(ctx, `UPDATE core.vehicle SET vin = $3, registration_plate = $4, make = $5, model = $6, model_year = $7,
		fuel_type = $8, colour = $9 WHERE id = $1 AND version = $2`, id, want, in.VIN, in.RegistrationPlate, in.Make, in.Model,
		in.ModelYear, in.FuelType, in.Colour)
	if err != nil {
		return oltp.Result{}, err
	}
	if tag.RowsAffected() == 0 {
		return oltp.Result{}, staleOrMissing(ctx, call.Tx, "core.vehicle", id)
	}
	if err := setKeeper(ctx, call, id, in.OwnerCustomerID); err != nil {
		return oltp.Result{}, err
	}
	return loadVehicle(ctx, call.Tx, id)
}

// vehicleSearchParams are the query parameters of GET /v1/vehicles.
var vehicleSearchParams = append(slices.Clone(oltp.PageParams),
	oltp.Param{Name: "vin", Type: oltp.ParamString, MaxLen: 17, Doc: "the vehicle identification number (any case)"},
	oltp.Param{Name: "plate", Type: oltp.ParamString, MaxLen: 30, Doc: "the registration plate (any case, spaces ignored)"})

func searchVehicles(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	page, err := oltp.ParsePage(call.Gin)
	if err != nil {
		return oltp.Result{}, err
	}
	vin := strings.ToUpper(call.Query("vin"))
	plate := strings.ToUpper(strings.ReplaceAll(call.Query("plate"), " ", ""))
	if len(vin) > 17 || len(plate) > 20 {
		return oltp.Result{}, oltp.BadRequest("vin is limited to 17 characters and plate to 20")
	}
	rows, err := call.Tx.Query(ctx, vehicleSelect+` WHERE v.id > $1 AND ($2 = '' OR v.vin = $2)
		AND ($3 = '' OR upper(replace(v.registration_plate, ' ', '')) = $3) ORDER BY v.id LIMIT $4`, page.After, vin, plate, page.Limit+1)
	if err != nil {
		return oltp.Result{}, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Vehicle, error) { return scanVehicle(r) })
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: oltp.NewCollection(items, page.Limit, func(v Vehicle) int64 { return v.ID })}, nil
}
