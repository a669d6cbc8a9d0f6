package finance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// InvoiceRequest is the body of POST /v1/invoices: the repair order to
// invoice, the payment term and optional extra lines (fees, sublet,
// surcharges, discounts).
type InvoiceRequest struct {
	RepairOrderID int64       `json:"repair_order_id"`
	DueDays       *int        `json:"due_days,omitempty" doc:"payment term in days, 0..365, default 30"`
	ExtraLines    []ExtraLine `json:"extra_lines,omitempty"`
}

// ExtraLine is a line not derived from the repair order. UnitPrice is not
// negative; a discount's amount is stored negative.
type ExtraLine struct {
	Kind        string  `json:"kind" doc:"fee, sublet, surcharge or discount"`
	Description string  `json:"description"`
	Quantity    Decimal `json:"quantity,omitempty" doc:"default 1"`
	UnitPrice   Decimal `json:"unit_price"`
}

var extraKinds = []string{"fee", "sublet", "surcharge", "discount"}

// Validate reports every problem at once and fills defaults.
func (r *InvoiceRequest) Validate() error {
	var errs []error
	if r.RepairOrderID <= 0 {
		errs = append(errs, errors.New("repair_order_id must be a positive integer"))
	}
	if r.DueDays == nil {
		d := 30
		r.DueDays = &d
	} else if *r.DueDays < 0 || *r.DueDays > 365 {
		errs = append(errs, errors.New("due_days must be from 0 to 365"))
	}
	if len(r.ExtraLines) > 50 {
		errs = append(errs, errors.New("at most 50 extra_lines"))
	}
	for i := range r.ExtraLines {
		l := &r.ExtraLines[i]
		if !slices.Contains(extraKinds, l.Kind) {
			errs = append(errs, fmt.Errorf("extra_lines[%d].kind must be one of %v", i, extraKinds))
		}
		if l.Description == "" || len(l.Description) > 200 {
			errs = append(errs, fmt.Errorf("extra_lines[%d].description must be 1..200 characters", i))
		}
		if l.Quantity == "" {
			l.Quantity = "1"
		}
		errs = append(errs, oltp.CheckQuantity(fmt.Sprintf("extra_lines[%d].quantity", i), l.Quantity, false),
			oltp.CheckMoney(fmt.Sprintf("extra_lines[%d].unit_price", i), l.UnitPrice))
	}
	if err := errors.Join(errs...); err != nil {
		return oltp.Unprocessable(err.Error())
	}
	return nil
}

// createInvoice generates a draft invoice from a repair order. An
// advisory lock per repair order serialises concurrent generation (finance
// may read repair orders but not lock them), so one order never gets two
// live invoices.
func createInvoice(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req InvoiceRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if _, err := call.Tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('finance.invoice.repair_order', $1))`, req.RepairOrderID); err != nil {
		return oltp.Result{}, fmt.Errorf("lock repair order: %w", err)
	}
	id, err := insertDraft(ctx, call, req)
	if err != nil {
		return oltp.Result{}, err
	}
	if err := insertLines(ctx, call.Tx, call.P.OrganisationID, id, req); err != nil {
		return oltp.Result{}, err
	}
	v, err := loadInvoice(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Status: http.StatusCreated, Body: v, Location: "/v1/invoices/" + strconv.FormatInt(id, 10)}, nil
}

// insertDraft checks the repair order and inserts the draft invoice row.
func insertDraft(ctx context.Context, call *oltp.Call, req InvoiceRequest) (int64, error) {
	var branch int64
	var status string
	var existing *int64
	err := call.Tx.QueryRow(ctx, `SELECT ro.branch_id, ro.status::text,
		  (SELECT i.id FROM finance.invoice i WHERE i.repair_order_id = ro.id AND i.status <> 'void' ORDER BY i.id LIMIT 1)
		FROM workshop.repair_order ro WHERE ro.id = $1`, req.RepairOrderID).Scan(&branch, &status, &existing)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, oltp.NotFound(fmt.Sprintf("repair order %d does not exist", req.RepairOrderID))
	} else if err != nil {
		return 0, fmt.Errorf("read repair order: %w", err)
	}
	if err := checkScope(call.P, "the repair order's branch", branch); err != nil {
		return 0, err
	}
	if status == "cancelled" {
		return 0, oltp.Conflict("illegal-transition", fmt.Sprintf("repair order %d is cancelled", req.RepairOrderID))
	}
	if existing != nil {
		return 0, oltp.Conflict("already-invoiced", fmt.Sprintf("repair order %d already has invoice %d; void it first", req.RepairOrderID, *existing))
	}
	var id int64
	err = call.Tx.QueryRow(ctx, `INSERT INTO finance.invoice (organisation_id, branch_id, customer_id, repair_order_id, status, currency, due_at)
		SELECT ro.organisation_id, ro.branch_id, ro.customer_id, ro.id, 'draft', o.currency, now() + make_interval(days => $2)
		FROM workshop.repair_order ro JOIN core.organisation o ON o.id = ro.organisation_id
		WHERE ro.id = $1 RETURNING id`, req.RepairOrderID, *req.DueDays).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert invoice: %w", err)
	}
	return id, nil
}
