package finance

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// lockInvoice locks the invoice named in the path and checks the caller's
// branch scope and that its status is from.
func lockInvoice(ctx context.Context, call *oltp.Call, from string) (int64, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return 0, err
	}
	var branch int64
	var status string
	err = call.Tx.QueryRow(ctx, `SELECT branch_id, status::text FROM finance.invoice WHERE id = $1 FOR UPDATE`, id).Scan(&branch, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, oltp.NotFound("invoice " + strconv.FormatInt(id, 10) + " does not exist")
	} else if err != nil {
		return 0, fmt.Errorf("lock invoice: %w", err)
	}
	if err := checkScope(call.P, "the invoice's branch", branch); err != nil {
		return 0, err
	}
	if status != from {
		return 0, oltp.Conflict("illegal-transition", fmt.Sprintf("invoice %d is %s; this needs a %s invoice", id, status, from))
	}
	return id, nil
}

// issueInvoice gives a draft the next number of its branch's gapless
// series (finance.issue_invoice, in this transaction) and freezes it. The
// repair order it bills is invoiced at the same instant.
func issueInvoice(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := lockInvoice(ctx, call, "draft")
	if err != nil {
		return oltp.Result{}, err
	}
	if _, err := call.Tx.Exec(ctx, `SELECT finance.issue_invoice($1)`, id); err != nil {
		return oltp.Result{}, fmt.Errorf("issue invoice: %w", err)
	}
	if err := markInvoiced(ctx, call.Tx, id); err != nil {
		return oltp.Result{}, err
	}
	v, err := loadInvoice(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: v}, nil
}

// VoidRequest is the body of POST /v1/invoices/:id/void.
type VoidRequest struct {
	Reason string `json:"reason"`
}

// voidInvoice voids an issued invoice that has no payments allocated to
// it (move the money first). Its number stays used: the series has no gap.
func voidInvoice(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req VoidRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if len(req.Reason) < 3 || len(req.Reason) > 500 {
		return oltp.Result{}, oltp.Unprocessable("reason must be 3..500 characters")
	}
	id, err := lockInvoice(ctx, call, "issued")
	if err != nil {
		return oltp.Result{}, err
	}
	var allocated bool
	if err := call.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM finance.payment_allocation WHERE invoice_id = $1)`, id).Scan(&allocated); err != nil {
		return oltp.Result{}, fmt.Errorf("check allocations: %w", err)
	}
	if allocated {
		return oltp.Result{}, oltp.Conflict("invoice-has-payments", fmt.Sprintf("invoice %d has payments allocated; it cannot be voided", id))
	}
	if _, err := call.Tx.Exec(ctx, `UPDATE finance.invoice SET status = 'void', voided_at = now(), void_reason = $2 WHERE id = $1`,
		id, req.Reason); err != nil {
		return oltp.Result{}, fmt.Errorf("void invoice: %w", err)
	}
	v, err := loadInvoice(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: v}, nil
}

// markInvoiced sets the invoiced_at of the repair order an issued invoice
// bills to the invoice's issue time and moves it to invoiced, unless it is
// already invoiced or closed (a re-issue after a void keeps the status).
func markInvoiced(ctx context.Context, tx pgx.Tx, invoiceID int64) error {
	_, err := tx.Exec(ctx, `UPDATE workshop.repair_order ro
		SET invoiced_at = i.issued_at,
		    status = CASE WHEN ro.status IN ('invoiced', 'closed') THEN ro.status ELSE 'invoiced' END
		FROM finance.invoice i WHERE i.id = $1 AND ro.id = i.repair_order_id`, invoiceID)
	if err != nil {
		return fmt.Errorf("mark repair order invoiced: %w", err)
	}
	return nil
}
