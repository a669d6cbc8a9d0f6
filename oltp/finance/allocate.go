package finance

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// checkAllocations locks the invoices to be paid, in id order, then reads
// their outstanding amounts in a second statement. Under READ COMMITTED
// that statement's snapshot is taken after the locks are held, so it sees
// every allocation committed by a payment that held a lock before us: two
// payments racing for one invoice cannot both take its last pound.
func checkAllocations(ctx context.Context, tx pgx.Tx, req PaymentRequest) error {
	if len(req.Allocations) == 0 {
		return nil
	}
	ids := make([]int64, len(req.Allocations))
	for i, a := range req.Allocations {
		ids[i] = a.InvoiceID
	}
	if _, err := tx.Exec(ctx, `SELECT id FROM finance.invoice WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids); err != nil {
		return fmt.Errorf("lock invoices: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT i.id, i.status::text, i.customer_id,
		  (i.gross_total - coalesce((SELECT sum(a.amount) FROM finance.payment_allocation a WHERE a.invoice_id = i.id), 0))::numeric(12,2)::text
		FROM finance.invoice i WHERE i.id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("read outstanding amounts: %w", err)
	}
	type balance struct {
		status      string
		customer    int64
		outstanding Decimal
	}
	found := map[int64]balance{}
	for rows.Next() {
		var id int64
		var b balance
		if err := rows.Scan(&id, &b.status, &b.customer, &b.outstanding); err != nil {
			rows.Close()
			return fmt.Errorf("read outstanding amounts: %w", err)
		}
		found[id] = b
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read outstanding amounts: %w", err)
	}
	for _, a := range req.Allocations {
		b, ok := found[a.InvoiceID]
		switch {
		case !ok:
			return oltp.NotFound(fmt.Sprintf("invoice %d does not exist", a.InvoiceID))
		case b.status != "issued":
			return oltp.Conflict("invoice-not-payable", fmt.Sprintf("invoice %d is %s; only issued invoices take payments", a.InvoiceID, b.status))
		case b.customer != req.CustomerID:
			return oltp.Unprocessable(fmt.Sprintf("invoice %d belongs to another customer", a.InvoiceID))
		case a.Amount.Rat().Cmp(b.outstanding.Rat()) > 0:
			return oltp.Conflict("over-allocation", fmt.Sprintf("invoice %d has %s outstanding; %s cannot be allocated to it",
				a.InvoiceID, b.outstanding, a.Amount))
		}
	}
	return nil
}

// insertPayment writes the payment and its allocations.
func insertPayment(ctx context.Context, call *oltp.Call, req PaymentRequest) (int64, error) {
	var id int64
	err := call.Tx.QueryRow(ctx, `INSERT INTO finance.payment (organisation_id, branch_id, customer_id, method, amount, received_at, reference)
		SELECT $1, b.id, c.id, $4::finance.payment_method, $5::numeric, coalesce($6, now()), NULLIF($7, '')
		FROM core.branch b, core.customer c WHERE b.id = $2 AND c.id = $3 RETURNING id`,
		call.P.OrganisationID, req.BranchID, req.CustomerID, req.Method, string(req.Amount), req.ReceivedAt, req.Reference).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, oltp.NotFound("branch_id or customer_id does not exist")
	} else if err != nil {
		return 0, fmt.Errorf("insert payment: %w", err)
	}
	if len(req.Allocations) == 0 {
		return id, nil
	}
	invoices, amounts := make([]int64, len(req.Allocations)), make([]string, len(req.Allocations))
	for i, a := range req.Allocations {
		invoices[i], amounts[i] = a.InvoiceID, string(a.Amount)
	}
	_, err = call.Tx.Exec(ctx, `INSERT INTO finance.payment_allocation (organisation_id, payment_id, invoice_id, amount)
		SELECT $1, $2, u.invoice_id, u.amount::numeric FROM unnest($3::bigint[], $4::text[]) WITH ORDINALITY AS u(invoice_id, amount, n)
		ORDER BY u.n`, call.P.OrganisationID, id, invoices, amounts)
	if err != nil {
		return 0, fmt.Errorf("insert allocations: %w", err)
	}
	return id, nil
}
