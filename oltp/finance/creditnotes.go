package finance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carcarehub/cch/oltp"
)

func registerCreditNotes(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/invoices/:id/credit-notes",
		Summary: "Refund a paid invoice, partly or in full, by a credit note with a reason",
		Roles:   financeRoles, Request: CreditNoteRequest{}, Response: CreditNote{}, Status: http.StatusCreated}, createCreditNote)
}

// CreditNote is the API view of finance.credit_note: a refund of part or
// all of an issued invoice. Tax is credited in the invoice's proportion.
type CreditNote struct {
	ID          int64     `json:"id"`
	InvoiceID   int64     `json:"invoice_id"`
	BranchID    int64     `json:"branch_id"`
	NetAmount   Decimal   `json:"net_amount"`
	TaxAmount   Decimal   `json:"tax_amount"`
	GrossAmount Decimal   `json:"gross_amount"`
	Reason      string    `json:"reason"`
	IssuedAt    time.Time `json:"issued_at"`
}

// CreditNoteRequest is the body of POST /v1/invoices/{id}/credit-notes:
// the net amount refunded (tax follows) and why.
type CreditNoteRequest struct {
	NetAmount Decimal `json:"net_amount"`
	Reason    string  `json:"reason"`
}

// Validate reports every problem at once.
func (r *CreditNoteRequest) Validate() error {
	var errs []error
	if err := oltp.CheckMoney("net_amount", r.NetAmount); err != nil {
		errs = append(errs, err)
	} else if r.NetAmount.Sign() <= 0 {
		errs = append(errs, errors.New("net_amount must be greater than zero"))
	}
	if n := len(strings.TrimSpace(r.Reason)); n < 3 || len(r.Reason) > 500 {
		errs = append(errs, errors.New("reason must be 3..500 characters"))
	}
	if err := errors.Join(errs...); err != nil {
		return oltp.Unprocessable(err.Error())
	}
	return nil
}

// createCreditNote refunds part of an issued invoice (locked, so credit
// notes of one invoice queue): the invoice's net credited so far plus this
// one may not exceed its net total, nor the gross credited exceed what was
// paid against it.
func createCreditNote(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req CreditNoteRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	id, err := lockInvoice(ctx, call, "issued")
	if err != nil {
		return oltp.Result{}, err
	}
	var overInvoice, overPaid bool
	var cn CreditNote
	err = call.Tx.QueryRow(ctx, `WITH i AS (
		  SELECT i.id, i.organisation_id, i.branch_id, i.net_total, i.tax_total,
		         round($2::numeric * CASE WHEN i.net_total > 0 THEN i.tax_total / i.net_total ELSE 0 END, 2) AS tax,
		         coalesce((SELECT sum(a.amount) FROM finance.payment_allocation a WHERE a.invoice_id = i.id), 0) AS paid,
		         coalesce((SELECT sum(c.net_amount) FROM finance.credit_note c WHERE c.invoice_id = i.id), 0) AS credited_net,
		         coalesce((SELECT sum(c.gross_amount) FROM finance.credit_note c WHERE c.invoice_id = i.id), 0) AS credited_gross
		  FROM finance.invoice i WHERE i.id = $1)
		SELECT i.branch_id, i.tax::text, (i.credited_net + $2::numeric > i.net_total),
		       (i.credited_gross + $2::numeric + i.tax > i.paid)
		FROM i`, id, string(req.NetAmount)).Scan(&cn.BranchID, &cn.TaxAmount, &overInvoice, &overPaid)
	if err != nil {
		return oltp.Result{}, fmt.Errorf("read invoice balance: %w", err)
	}
	switch {
	case overInvoice:
		return oltp.Result{}, oltp.Conflict("credit-exceeds-invoice", fmt.Sprintf("invoice %d: the credit notes would exceed its net total", id))
	case overPaid:
		return oltp.Result{}, oltp.Conflict("credit-exceeds-paid", fmt.Sprintf("invoice %d: a refund cannot exceed what was paid against it", id))
	}
	err = call.Tx.QueryRow(ctx, `INSERT INTO finance.credit_note (organisation_id, branch_id, invoice_id, net_amount, tax_amount, gross_amount, reason)
		SELECT organisation_id, branch_id, id, $2::numeric, $3::numeric, $2::numeric + $3::numeric, $4 FROM finance.invoice WHERE id = $1
		RETURNING id, invoice_id, net_amount::text, gross_amount::text, reason, issued_at`,
		id, string(req.NetAmount), string(cn.TaxAmount), req.Reason).
		Scan(&cn.ID, &cn.InvoiceID, &cn.NetAmount, &cn.GrossAmount, &cn.Reason, &cn.IssuedAt)
	if err != nil {
		return oltp.Result{}, fmt.Errorf("insert credit note: %w", err)
	}
	cn.IssuedAt = cn.IssuedAt.UTC()
	return oltp.Result{Status: http.StatusCreated, Body: cn,
		Location: "/v1/invoices/" + strconv.FormatInt(id, 10)}, nil
}
