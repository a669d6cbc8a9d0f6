package customers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// Customer is the API view of core.customer.
type Customer struct {
	ID               int64      `json:"id"`
	Kind             string     `json:"kind"`
	HomeBranchID     *int64     `json:"home_branch_id"`
	ParentCustomerID *int64     `json:"parent_customer_id"`
	GivenName        *string    `json:"given_name"`
	FamilyName       *string    `json:"family_name"`
	CompanyName      *string    `json:"company_name"`
	Email            *string    `json:"email"`
	Phone            *string    `json:"phone"`
	Address          *string    `json:"address"`
	Postcode         *string    `json:"postcode"`
	PseudonymisedAt  *time.Time `json:"pseudonymised_at"`
	Version          int32      `json:"version"`
	CreatedAt        time.Time  `json:"created_at"`
}

// CustomerInput is the body of POST /v1/customers and PATCH
// /v1/customers/{id} (PATCH replaces the editable fields).
type CustomerInput struct {
	Kind             string  `json:"kind" doc:"person or company"`
	HomeBranchID     *int64  `json:"home_branch_id,omitempty"`
	ParentCustomerID *int64  `json:"parent_customer_id,omitempty"`
	GivenName        *string `json:"given_name,omitempty"`
	FamilyName       *string `json:"family_name,omitempty"`
	CompanyName      *string `json:"company_name,omitempty"`
	Email            *string `json:"email,omitempty"`
	Phone            *string `json:"phone,omitempty"`
	Address          *string `json:"address,omitempty"`
	Postcode         *string `json:"postcode,omitempty"`
}

// Validate reports every problem at once.
func (in *CustomerInput) Validate() error {
	var errs []error
	if !slices.Contains([]string{"person", "company"}, in.Kind) {
		errs = append(errs, errors.New(`kind must be "person" or "company"`))
	}
	if in.Kind == "person" && blank(in.FamilyName) {
		errs = append(errs, errors.New("family_name is required for a person"))
	}
	if in.Kind == "company" && blank(in.CompanyName) {
		errs = append(errs, errors.New("company_name is required for a company"))
	}
	for name, v := range map[string]*string{"given_name": in.GivenName, "family_name": in.FamilyName, "company_name": in.CompanyName,
		"phone": in.Phone, "address": in.Address, "postcode": in.Postcode, "email": in.Email} {
		if v != nil && len(*v) > 200 {
			errs = append(errs, fmt.Errorf("%s is limited to 200 characters", name))
		}
	}
	if in.Email != nil && *in.Email != "" {
		if a, err := mail.ParseAddress(*in.Email); err != nil || a.Address != *in.Email {
			errs = append(errs, errors.New("email is not a valid address"))
		}
	}
	for name, id := range map[string]*int64{"home_branch_id": in.HomeBranchID, "parent_customer_id": in.ParentCustomerID} {
		if id != nil && *id <= 0 {
			errs = append(errs, fmt.Errorf("%s must be a positive integer", name))
		}
	}
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

func blank(s *string) bool { return s == nil || strings.TrimSpace(*s) == "" }

var (
	customerWriters = []string{"receptionist", "manager", "dispatcher"}
	customerReaders = []string{"receptionist", "manager", "dispatcher", "technician", "finance", "chauffeur"}
	gdprOperators   = []string{"manager"}
)

// Register mounts the customer and vehicle workflows on api.
func Register(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/customers", Summary: "Create a customer",
		Roles: customerWriters, Request: CustomerInput{}, Response: Customer{}, Status: http.StatusCreated, Versioned: true}, createCustomer)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/customers/:id", Summary: "Read a customer",
		Roles: customerReaders, Response: Customer{}, Versioned: true}, getCustomer)
	api.Write(oltp.Route{Method: http.MethodPatch, Path: "/v1/customers/:id", Summary: "Update a customer",
		Roles: customerWriters, Request: CustomerInput{}, Response: Customer{}, Versioned: true}, updateCustomer)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/customers", Summary: "Search customers by name, email, phone or postcode",
		Roles: customerReaders, Response: oltp.Collection[Customer]{}, Query: customerSearchParams}, searchCustomers)
	// The export writes an audit entry, so it runs in a read-write transaction.
	api.Write(oltp.Route{Method: http.MethodGet, Path: "/v1/customers/:id/export", Summary: "Export a customer's personal data (GDPR access)",
		Roles: gdprOperators, Response: Export{}}, exportCustomer)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/customers/:id/erasure", Summary: "Erase a customer's personal data (GDPR erasure)",
		Roles: gdprOperators, Request: ErasureRequest{}, Response: Customer{}}, eraseCustomer)
	registerVehicles(api)
	registerFeedback(api)
}

const customerColumns = `id, kind::text, home_branch_id, parent_customer_id, given_name, family_name, company_name,
	email, phone, address, postcode, pseudonymised_at, version, created_at`

func scanCustomer(row pgx.Row) (Customer, error) {
	var c Customer
	err := row.Scan(&c.ID, &c.Kind, &c.HomeBranchID, &c.ParentCustomerID, &c.GivenName, &c.FamilyName, &c.CompanyName,
		&c.Email, &c.Phone, &c.Address, &c.Postcode, &c.PseudonymisedAt, &c.Version, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

func customerResult(c Customer, status int) oltp.Result {
	return oltp.Result{Status: status, Body: c, ETag: oltp.ETag(c.ID, c.Version),
		Location: "/v1/customers/" + strconv.FormatInt(c.ID, 10)}
}

func createCustomer(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var in CustomerInput
	if err := call.Bind(&in); err != nil {
		return oltp.Result{}, err
	}
	if err := homeInScope(ctx, call, in.HomeBranchID); err != nil {
		return oltp.Result{}, err
	}
	c, err := scanCustomer(call.Tx.QueryRow(ctx, `INSERT INTO core.customer (organisation_id, kind, home_branch_id, parent_customer_id,
		given_name, family_name, company_name, email, phone, address, postcode)
		VALUES ($1, $2::core.customer_kind, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING `+customerColumns,
		call.P.OrganisationID, in.Kind, in.HomeBranchID, in.ParentCustomerID, in.GivenName, in.FamilyName, in.CompanyName,
		in.Email, in.Phone, in.Address, in.Postcode))
	if err != nil {
		return oltp.Result{}, err
	}
	return customerResult(c, http.StatusCreated), nil
}

func loadCustomer(ctx context.Context, tx pgx.Tx, id int64) (Customer, error) {
	c, err := scanCustomer(tx.QueryRow(ctx, `SELECT `+customerColumns+` FROM core.customer WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, oltp.NotFound("customer " + strconv.FormatInt(id, 10) + " does not exist")
	}
	return c, err
}

// inScope refuses (403) a write to a customer homed at a branch outside
// the caller's branch scope; organisation-wide customers (no home branch)
// are in everyone's.
func inScope(ctx context.Context, call *oltp.Call, c Customer) error {
	return homeInScope(ctx, call, c.HomeBranchID)
}

// homeInScope refuses a home branch the caller cannot see (404) or that is
// outside their scope (403).
func homeInScope(ctx context.Context, call *oltp.Call, home *int64) error {
	if home == nil {
		return nil
	}
	return call.AtBranch(ctx, *home)
}

// loadCustomerInScope loads a customer the caller may change.
func loadCustomerInScope(ctx context.Context, call *oltp.Call, id int64) (Customer, error) {
	c, err := loadCustomer(ctx, call.Tx, id)
	if err != nil {
		return c, err
	}
	return c, inScope(ctx, call, c)
}

func getCustomer(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	c, err := loadCustomer(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	return customerResult(c, http.StatusOK), nil
}

func updateCustomer(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, want, err := call.IDIfMatch()
	if err != nil {
		return oltp.Result{}, err
	}
	var in CustomerInput
	if err := call.Bind(&in); err != nil {
		return oltp.Result{}, err
	}
	if err := homeInScope(ctx, call, in.HomeBranchID); err != nil {
		return oltp.Result{}, err
	}
	if _, err := loadCustomerInScope(ctx, call, id); err != nil {
		return oltp.Result{}, err
	}
	c, err := scanCustomer(call.Tx.QueryRow(ctx, `UPDATE core.customer SET kind = $3::core.customer_kind, home_branch_id = $4,
		parent_customer_id = $5, given_name = $6, family_name = $7, company_name = $8, email = $9, phone = $10, address = $11,
		postcode = $12 WHERE id = $1 AND version = $2 AND pseudonymised_at IS NULL RETURNING `+customerColumns,
		id, want, in.Kind, in.HomeBranchID, in.ParentCustomerID, in.GivenName, in.FamilyName, in.CompanyName,
		in.Email, in.Phone, in.Address, in.Postcode))
	if errors.Is(err, pgx.ErrNoRows) {
		return oltp.Result{}, staleOrMissing(ctx, call.Tx, "core.customer", id)
	} else if err != nil {
		return oltp.Result{}, err
	}
	return customerResult(c, http.StatusOK), nil
}

// staleOrMissing tells a failed optimistic write apart: the row is gone or
// hidden (404) or its version moved on (412).
func staleOrMissing(ctx context.Context, tx pgx.Tx, table string, id int64) error {
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+" WHERE id = $1)", id).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return oltp.NotFound(fmt.Sprintf("%s %d does not exist", table, id))
	}
	return oltp.PreconditionFailed()
}

// customerSearchParams are the query parameters of GET /v1/customers.
var customerSearchParams = append(slices.Clone(oltp.PageParams),
	oltp.Param{Name: "q", Type: oltp.ParamString, MaxLen: 100, Doc: "text in the name, company, email, phone or postcode (any case)"})

func searchCustomers(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	page, err := oltp.ParsePage(call.Gin)
	if err != nil {
		return oltp.Result{}, err
	}
	q := strings.TrimSpace(call.Query("q"))
	if len(q) > 100 {
		return oltp.Result{}, oltp.BadRequest("q is limited to 100 characters")
	}
	pattern := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(q)) + "%"
	rows, err := call.Tx.Query(ctx, `SELECT `+customerColumns+` FROM core.customer
		WHERE id > $1 AND ($2 = '' OR lower(coalesce(given_name, '') || ' ' || coalesce(family_name, '') || ' ' ||
		  coalesce(company_name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(postcode, '')) LIKE $3)
		ORDER BY id LIMIT $4`, page.After, q, pattern, page.Limit+1)
	if err != nil {
		return oltp.Result{}, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Customer, error) { return scanCustomer(r) })
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: oltp.NewCollection(items, page.Limit, func(c Customer) int64 { return c.ID })}, nil
}
