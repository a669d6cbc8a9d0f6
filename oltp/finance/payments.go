package finance

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

func registerPayments(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/payments", Summary: "Record a payment and allocate it to invoices",
		Roles: financeRoles, Request: PaymentRequest{}, Response: Payment{}, Status: http.StatusCreated}, createPayment)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/payments", Summary: "List payments with their allocations",
		Roles: financeRoles, Response: oltp.Collection[Payment]{}, Query: paymentList.Params()}, listPayments)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/payments/:id", Summary: "Read a payment with its allocations",
		Roles: financeRoles, Response: Payment{}}, getPayment)
}

// Payment is the API view of finance.payment with its allocations.
type Payment struct {
	ID          int64        `json:"id"`
	BranchID    int64        `json:"branch_id"`
	CustomerID  int64        `json:"customer_id"`
	Method      string       `json:"method"`
	Amount      Decimal      `json:"amount"`
	Unallocated Decimal      `json:"unallocated"`
	ReceivedAt  time.Time    `json:"received_at"`
	Reference   *string      `json:"reference"`
	Allocations []Allocation `json:"allocations"`
}

// PaymentRequest is the body of POST /v1/payments. Allocations may split
// the payment over several invoices and may leave part of it unallocated;
// they may not exceed the payment or any invoice's outstanding amount.
type PaymentRequest struct {
	BranchID    int64               `json:"branch_id"`
	CustomerID  int64               `json:"customer_id"`
	Method      string              `json:"method" doc:"card, cash, bank_transfer, account or voucher"`
	Amount      Decimal             `json:"amount"`
	ReceivedAt  *time.Time          `json:"received_at,omitempty"`
	Reference   string              `json:"reference,omitempty"`
	Allocations []AllocationRequest `json:"allocations"`
}

// AllocationRequest applies amount of the payment to an invoice.
type AllocationRequest struct {
	InvoiceID int64   `json:"invoice_id"`
	Amount    Decimal `json:"amount"`
}

// maxClockSkew is how far in the future a client's received_at may lie
// (clocks differ); a payment is never received later than now.
const maxClockSkew = 5 * time.Minute

var methods = []string{"card", "cash", "bank_transfer", "account", "voucher"}

// Validate reports every problem at once, including allocations that add
// up to more than the payment.
func (r *PaymentRequest) Validate() error {
	var errs []error
	if r.BranchID <= 0 || r.CustomerID <= 0 {
		errs = append(errs, errors.New("branch_id and customer_id must be positive integers"))
	}
	if !slices.Contains(methods, r.Method) {
		errs = append(errs, fmt.Errorf("method must be one of %v", methods))
	}
	if err := oltp.CheckMoney("amount", r.Amount); err != nil {
		errs = append(errs, err)
	} else if r.Amount.Sign() <= 0 {
		errs = append(errs, errors.New("amount must be greater than zero"))
	}
	if len(r.Reference) > 200 {
		errs = append(errs, errors.New("reference is limited to 200 characters"))
	}
	if r.ReceivedAt != nil && (!oltp.SaneTime(*r.ReceivedAt) || r.ReceivedAt.After(time.Now().Add(maxClockSkew))) {
		errs = append(errs, fmt.Errorf("received_at must be a past moment from %d on", oltp.MinYear))
	}
	errs = append(errs, r.validateAllocations()...)
	if err := errors.Join(errs...); err != nil {
		return oltp.Unprocessable(err.Error())
	}
	return nil
}

func (r *PaymentRequest) validateAllocations() []error {
	var errs []error
	if len(r.Allocations) > 50 {
		errs = append(errs, errors.New("at most 50 allocations"))
	}
	seen := map[int64]bool{}
	sum := new(big.Rat)
	for i, a := range r.Allocations {
		if a.InvoiceID <= 0 || seen[a.InvoiceID] {
			errs = append(errs, fmt.Errorf("allocations[%d].invoice_id must be a positive integer, once per payment", i))
		}
		seen[a.InvoiceID] = true
		if err := oltp.CheckMoney(fmt.Sprintf("allocations[%d].amount", i), a.Amount); err != nil {
			errs = append(errs, err)
			continue
		} else if a.Amount.Sign() <= 0 {
			errs = append(errs, fmt.Errorf("allocations[%d].amount must be greater than zero", i))
		}
		sum.Add(sum, a.Amount.Rat())
	}
	if len(errs) == 0 && oltp.CheckMoney("amount", r.Amount) == nil && sum.Cmp(r.Amount.Rat()) > 0 {
		errs = append(errs, fmt.Errorf("allocations add up to %s, more than the payment's %s", sum.FloatString(2), r.Amount))
	}
	return errs
}

func createPayment(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req PaymentRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if err := oltp.CheckBranch(ctx, call.Tx, call.P, "branch_id", req.BranchID); err != nil {
		return oltp.Result{}, err
	}
	if err := checkAllocations(ctx, call.Tx, req); err != nil {
		return oltp.Result{}, err
	}
	id, err := insertPayment(ctx, call, req)
	if err != nil {
		return oltp.Result{}, err
	}
	p, err := loadPayment(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Status: http.StatusCreated, Body: p, Location: "/v1/payments/" + strconv.FormatInt(id, 10)}, nil
}

func getPayment(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	p, err := loadPayment(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: p}, nil
}

const selectPayments = `SELECT p.id, p.branch_id, p.customer_id, p.method::text, p.amount::text,
	  (p.amount - coalesce((SELECT sum(a.amount) FROM finance.payment_allocation a WHERE a.payment_id = p.id), 0))::numeric(12,2)::text,
	  p.received_at, p.reference
	FROM finance.payment p`

func scanPayment(row pgx.Row) (Payment, error) {
	var p Payment
	err := row.Scan(&p.ID, &p.BranchID, &p.CustomerID, &p.Method, &p.Amount, &p.Unallocated, &p.ReceivedAt, &p.Reference)
	p.ReceivedAt = p.ReceivedAt.UTC()
	return p, err
}

func loadPayment(ctx context.Context, tx pgx.Tx, id int64) (Payment, error) {
	p, err := scanPayment(tx.QueryRow(ctx, selectPayments+` WHERE p.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, oltp.NotFound("payment " + strconv.FormatInt(id, 10) + " does not exist")
	} else if err != nil {
		return p, fmt.Errorf("read payment: %w", err)
	}
	p.Allocations, err = loadAllocations(ctx, tx, `payment_id = $1`, id)
	return p, err
}

var paymentMethods = []string{"card", "cash", "bank_transfer", "account", "voucher"}

// listPayments pages through the payments the caller may see, filtered by
// branch, customer and method, each with its allocations (read for the
// whole page in one query).
// paymentList is the payments collection and its filters.
var paymentList = oltp.ListSpec{What: "payments", Base: selectPayments, Alias: "p.",
	IDs: []string{"branch_id", "customer_id"}, Enum: "method", EnumType: "finance.payment_method", EnumValues: paymentMethods}

func listPayments(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	col, err := oltp.ListRows(ctx, call, paymentList, scanPayment, func(p Payment) int64 { return p.ID })
	if err != nil {
		return oltp.Result{}, err
	}
	ids := make([]int64, len(col.Items))
	byID := make(map[int64]*Payment, len(col.Items))
	for i := range col.Items {
		ids[i] = col.Items[i].ID
		byID[ids[i]] = &col.Items[i]
		col.Items[i].Allocations = []Allocation{}
	}
	allocs, err := loadAllocations(ctx, call.Tx, `payment_id = ANY($1)`, ids)
	if err != nil {
		return oltp.Result{}, err
	}
	for _, a := range allocs {
		p := byID[a.PaymentID]
		p.Allocations = append(p.Allocations, a)
	}
	return oltp.Result{Body: col}, nil
}
