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

// Charge is the API view of chauffeur.ride_charge. ChauffeurPayableAmount
// is finance data: it is read (and shown) only for finance and managers;
// dispatchers hold no grant on the column.
type Charge struct {
	ID                     int64        `json:"id"`
	RideID                 int64        `json:"ride_id"`
	Component              string       `json:"component"`
	Description            *string      `json:"description"`
	Quantity               json.Number  `json:"quantity" doc:"decimal"`
	UnitAmount             json.Number  `json:"unit_amount" doc:"decimal"`
	Amount                 json.Number  `json:"amount" doc:"decimal: quantity × unit_amount, rounded to cents"`
	Taxable                bool         `json:"taxable"`
	ChauffeurPayableAmount *json.Number `json:"chauffeur_payable_amount,omitempty" doc:"decimal; finance and managers only"`
	CreatedAt              time.Time    `json:"created_at"`
}

// ChargeRequest is the body of POST /v1/rides/{id}/charges.
type ChargeRequest struct {
	Component              string       `json:"component" doc:"ride_base, wait_time, extra_stop, toll, parking, gratuity, surcharge, discount, cancellation_fee"`
	Description            string       `json:"description,omitempty"`
	Quantity               *json.Number `json:"quantity,omitempty" doc:"decimal, default 1"`
	UnitAmount             json.Number  `json:"unit_amount" doc:"decimal; negative only for discount"`
	Taxable                *bool        `json:"taxable,omitempty" doc:"default true"`
	ChauffeurPayableAmount *json.Number `json:"chauffeur_payable_amount,omitempty" doc:"decimal; managers only"`
}

var components = []string{"ride_base", "wait_time", "extra_stop", "toll", "parking", "gratuity", "surcharge", "discount", "cancellation_fee"}

// Validate checks the request and fills defaults; it reports every problem
// at once.
func (r *ChargeRequest) Validate() error {
	var errs []error
	if !slices.Contains(components, r.Component) {
		errs = append(errs, fmt.Errorf("component must be one of %v", components))
	}
	if len(r.Description) > 500 {
		errs = append(errs, errors.New("description is limited to 500 characters"))
	}
	if r.Quantity == nil {
		one := json.Number("1")
		r.Quantity = &one
	}
	if q, err := r.Quantity.Float64(); err != nil || q <= 0 || q > 10000 {
		errs = append(errs, errors.New("quantity must be more than 0 and at most 10000"))
	}
	if err := checkMoney("unit_amount", r.UnitAmount, r.Component == "discount"); err != nil {
		errs = append(errs, err)
	}
	if r.ChauffeurPayableAmount != nil {
		if err := checkMoney("chauffeur_payable_amount", *r.ChauffeurPayableAmount, false); err != nil {
			errs = append(errs, err)
		}
	}
	if r.Taxable == nil {
		t := true
		r.Taxable = &t
	}
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

// checkMoney checks a decimal amount: a number with at most two decimals
// within numeric(12,2), negative only where allowed.
func checkMoney(name string, n json.Number, negative bool) error {
	f, err := n.Float64()
	switch {
	case err != nil || f >= 1e10 || f <= -1e10:
		return fmt.Errorf("%s must be a decimal below 10000000000", name)
	case f < 0 && !negative:
		return fmt.Errorf("%s must not be negative", name)
	}
	return nil
}

// moneyArg binds an optional decimal as text for a $n::numeric parameter.
func moneyArg(n *json.Number) *string {
	if n == nil {
		return nil
	}
	s := n.String()
	return &s
}

// addChargeSQL prices the component on a ride the caller can see; the
// amount is computed in the database, rounded to cents. The masked column
// is named only when the caller sets it (a manager).
const addChargeSQL = `
INSERT INTO chauffeur.ride_charge (organisation_id, ride_booking_id, component, description, quantity, unit_amount, amount, taxable)
SELECT $1, r.id, $3::chauffeur.charge_component, NULLIF($4, ''), $5::numeric, $6::numeric, round($5::numeric * $6::numeric, 2), $7
FROM chauffeur.ride_booking r WHERE r.id = $2
RETURNING id`

func addCharge(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	var req ChargeRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if req.ChauffeurPayableAmount != nil && call.P.Role != "manager" {
		return oltp.Result{}, oltp.Forbidden("only managers set chauffeur_payable_amount")
	}
	var chargeID int64
	err = call.Tx.QueryRow(ctx, addChargeSQL, call.P.OrganisationID, id, req.Component, req.Description,
		req.Quantity.String(), req.UnitAmount.String(), *req.Taxable).Scan(&chargeID)
	if errors.Is(err, pgx.ErrNoRows) {
		return oltp.Result{}, rideNotFound(id)
	} else if err != nil {
		return oltp.Result{}, fmt.Errorf("add charge to ride %d: %w", id, err)
	}
	if req.ChauffeurPayableAmount != nil {
		_, err = call.Tx.Exec(ctx, `UPDATE chauffeur.ride_charge SET chauffeur_payable_amount = $2::numeric WHERE id = $1`,
			chargeID, req.ChauffeurPayableAmount.String())
		if err != nil {
			return oltp.Result{}, fmt.Errorf("set payable amount of charge %d: %w", chargeID, err)
		}
	}
	items, err := queryCharges(ctx, call, "c.id = $1", chargeID)
	if err != nil || len(items) != 1 {
		return oltp.Result{}, errors.Join(err, fmt.Errorf("charge %d vanished", chargeID))
	}
	return oltp.Result{Status: http.StatusCreated, Body: items[0]}, nil
}

func listCharges(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	var visible bool
	if err := call.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM chauffeur.ride_booking WHERE id = $1)`, id).Scan(&visible); err != nil {
		return oltp.Result{}, fmt.Errorf("find ride %d: %w", id, err)
	}
	if !visible {
		return oltp.Result{}, rideNotFound(id)
	}
	items, err := queryCharges(ctx, call, "c.ride_booking_id = $1", id)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: oltp.NewCollection(items, len(items), func(c Charge) int64 { return c.ID })}, nil
}

// queryCharges reads charges matching where (a constant condition on $1).
// Only finance and managers select the masked chauffeur_payable_amount;
// for everyone else the column is not named at all.
func queryCharges(ctx context.Context, call *oltp.Call, where string, arg int64) ([]Charge, error) {
	payable := "NULL::text"
	if slices.Contains(payVisibleToRoles, call.P.Role) {
		payable = "c.chauffeur_payable_amount::text"
	}
	rows, err := call.Tx.Query(ctx, `SELECT c.id, c.ride_booking_id, c.component::text, c.description, c.quantity::text,
		c.unit_amount::text, c.amount::text, c.taxable, `+payable+`, c.created_at
		FROM chauffeur.ride_charge c WHERE `+where+` ORDER BY c.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("read charges: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Charge, error) {
		var c Charge
		err := r.Scan(&c.ID, &c.RideID, &c.Component, &c.Description, &c.Quantity, &c.UnitAmount, &c.Amount, &c.Taxable,
			&c.ChauffeurPayableAmount, &c.CreatedAt)
		c.CreatedAt = c.CreatedAt.UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("read charges: %w", err)
	}
	return items, nil
}
