package customers

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// Export is a customer's subject-access export: every record that holds or
// points at their personal data.
type Export struct {
	Customer     Customer          `json:"customer"`
	Vehicles     []json.RawMessage `json:"vehicles"`
	Consents     []json.RawMessage `json:"consents"`
	Bookings     []json.RawMessage `json:"bookings"`
	RepairOrders []json.RawMessage `json:"repair_orders"`
	Invoices     []json.RawMessage `json:"invoices"`
	Rides        []json.RawMessage `json:"rides"`
	Feedback     []json.RawMessage `json:"feedback"`
}

// exportQueries are the export's sections; each returns one JSON row per record.
var exportQueries = []struct {
	name string
	sql  string
}{
	{"vehicles", `SELECT to_jsonb(x) FROM (SELECT v.id, v.vin, v.registration_plate, v.make, v.model, v.model_year,
		lower(o.period) AS owned_from, upper(o.period) AS owned_until FROM core.vehicle_ownership o
		JOIN core.vehicle v ON v.id = o.vehicle_id WHERE o.customer_id = $1 ORDER BY o.id) x`},
	{"consents", `SELECT to_jsonb(x) FROM (SELECT purpose, channel, action, recorded_at, source FROM core.customer_consent
		WHERE customer_id = $1 ORDER BY recorded_at) x`},
	{"bookings", `SELECT to_jsonb(x) FROM (SELECT id, branch_id, vehicle_id, lower(period) AS starts_at, status, channel, notes, created_at
		FROM workshop.booking WHERE customer_id = $1 ORDER BY id) x`},
	{"repair_orders", `SELECT to_jsonb(x) FROM (SELECT id, branch_id, vehicle_id, status, opened_at, closed_at, odometer_in_miles
		FROM workshop.repair_order WHERE customer_id = $1 ORDER BY id) x`},
	{"invoices", `SELECT to_jsonb(x) FROM (SELECT id, branch_id, invoice_number, status, currency, net_total, tax_total, gross_total, issued_at
		FROM finance.invoice WHERE customer_id = $1 ORDER BY id) x`},
	{"rides", `SELECT to_jsonb(x) FROM (SELECT id, service_type, status, pickup_at, pickup_address, dropoff_address, metadata
		FROM chauffeur.ride_booking WHERE booker_customer_id = $1 OR passenger_customer_id = $1 ORDER BY id) x`},
	{"feedback", `SELECT to_jsonb(x) FROM (SELECT csat_score, nps_score, comment, received_at FROM core.customer_feedback
		WHERE customer_id = $1 ORDER BY id) x`},
}

func exportCustomer(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	c, err := loadCustomerInScope(ctx, call, id)
	if err != nil {
		return oltp.Result{}, err
	}
	ex := Export{Customer: c}
	sections := map[string]*[]json.RawMessage{"vehicles": &ex.Vehicles, "consents": &ex.Consents, "bookings": &ex.Bookings,
		"repair_orders": &ex.RepairOrders, "invoices": &ex.Invoices, "rides": &ex.Rides, "feedback": &ex.Feedback}
	for _, q := range exportQueries {
		rows, err := call.Tx.Query(ctx, q.sql, id)
		if err != nil {
			return oltp.Result{}, err
		}
		items, err := pgx.CollectRows(rows, pgx.RowTo[json.RawMessage])
		if err != nil {
			return oltp.Result{}, err
		}
		if items == nil {
			items = []json.RawMessage{}
		}
		*sections[q.name] = items
	}
	if _, err := call.Tx.Exec(ctx, `SELECT audit.log_action('gdpr_export', 'core.customer', jsonb_build_object('id', $1::bigint), NULL)`, id); err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: ex}, nil
}

// ErasureRequest confirms an erasure.
type ErasureRequest struct {
	Reason string `json:"reason"`
}

// eraseCustomer pseudonymises the customer: PII columns cleared, free text
// that may name them removed, rides' sign text dropped. Invoices, repair
// orders and their amounts stay for legal retention. The change reaches
// the warehouse through CDC like any other update, so its mirror is
// pseudonymised too.
func eraseCustomer(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req ErasureRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if req.Reason == "" || len(req.Reason) > 500 {
		return oltp.Result{}, oltp.Unprocessable("reason is required (at most 500 characters)")
	}
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	if _, err := loadCustomerInScope(ctx, call, id); err != nil {
		return oltp.Result{}, err
	}
	for _, stmt := range erasureSQL {
		if _, err := call.Tx.Exec(ctx, stmt, id); err != nil {
			return oltp.Result{}, err
		}
	}
	if _, err := call.Tx.Exec(ctx, `SELECT audit.log_action('gdpr_erasure', 'core.customer', jsonb_build_object('id', $1::bigint),
		jsonb_build_object('reason', $2::text))`, id, req.Reason); err != nil {
		return oltp.Result{}, err
	}
	c, err := loadCustomer(ctx, call.Tx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return oltp.Result{}, oltp.NotFound("customer " + strconv.FormatInt(id, 10))
	}
	return customerResult(c, 200), err
}

var erasureSQL = []string{
	`UPDATE core.customer SET given_name = NULL, family_name = NULL, company_name = NULL, email = NULL, phone = NULL,
		address = NULL, postcode = NULL, pseudonymised_at = coalesce(pseudonymised_at, now()) WHERE id = $1`,
	`UPDATE workshop.booking SET notes = NULL WHERE customer_id = $1 AND notes IS NOT NULL`,
	`UPDATE core.customer_feedback SET comment = NULL WHERE customer_id = $1 AND comment IS NOT NULL`,
	`UPDATE chauffeur.ride_booking SET metadata = metadata - 'sign_text' - 'passenger_name' - 'passenger_phone'
		WHERE (booker_customer_id = $1 OR passenger_customer_id = $1)
		  AND metadata ?| ARRAY['sign_text', 'passenger_name', 'passenger_phone']`,
}
