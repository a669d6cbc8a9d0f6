package finance

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// linesSQL derives the lines of a repair order's invoice in one statement:
// labour lines, then part lines, then sublet (re-charged at cost), per job
// in job order, then the extra lines. Only customer-paid jobs that were
// approved (approved, in_progress, done) are invoiced: warranty and
// internal work is not the customer's to pay. Tax is per line at the
// organisation's rate, rounded half away from zero to the penny; the
// invoice totals are the sums of the lines (as finance.issue_invoice
// recomputes them).
const linesSQL = `
WITH jobs AS (
  SELECT rj.id, rj.concern, rj.sublet_cost FROM workshop.repair_job rj
  WHERE rj.repair_order_id = $3 AND rj.status IN ('approved', 'in_progress', 'done') AND rj.pay_type = 'customer'
), src AS (
  SELECT 1 AS grp, j.id AS job_id, ll.id AS ord, ll.id AS labour_line_id, NULL::bigint AS part_line_id, 'labour' AS kind,
    coalesce(ll.description, lo.name, j.concern) AS description, ll.sold_hours::numeric AS qty, ll.labour_rate AS price,
    ll.sale_amount AS net, ll.cost_amount AS cost
  FROM jobs j JOIN workshop.labour_line ll ON ll.repair_job_id = j.id
  LEFT JOIN workshop.labour_operation lo ON lo.id = ll.labour_operation_id
  WHERE ll.sold_hours > 0
  UNION ALL
  SELECT 2, j.id, pl.id, NULL, pl.id, 'part', pt.part_number || ' ' || pt.name, pl.quantity, pl.unit_price,
    pl.sale_amount, round(pl.quantity * pl.unit_cost, 2)
  FROM jobs j JOIN workshop.part_line pl ON pl.repair_job_id = j.id JOIN inventory.part pt ON pt.id = pl.part_id
  UNION ALL
  SELECT 3, j.id, j.id, NULL, NULL, 'sublet', 'Sublet: ' || j.concern, 1, j.sublet_cost, j.sublet_cost, j.sublet_cost
  FROM jobs j WHERE j.sublet_cost > 0
  UNION ALL
  SELECT 4, NULL, u.n, NULL, NULL, u.kind, u.description, u.qty::numeric,
    CASE WHEN u.kind = 'discount' THEN -1 ELSE 1 END * u.price::numeric,
    CASE WHEN u.kind = 'discount' THEN -1 ELSE 1 END * round(u.qty::numeric * u.price::numeric, 2), 0
  FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(kind, description, qty, price, n)
)
INSERT INTO finance.invoice_line (organisation_id, invoice_id, line_number, kind, description, quantity, unit_price,
  net_amount, tax_rate, tax_amount, cost_amount, repair_job_id, labour_line_id, part_line_id)
SELECT $1, $2, row_number() OVER (ORDER BY grp, job_id, ord), kind::finance.invoice_line_kind, description, qty, price,
  net, o.tax_rate, round(net * o.tax_rate, 2), cost, job_id, labour_line_id, part_line_id
FROM src, core.organisation o WHERE o.id = $1`

// insertLines writes the invoice's lines and its stored totals.
func insertLines(ctx context.Context, tx pgx.Tx, org, invoiceID int64, req InvoiceRequest) error {
	n := len(req.ExtraLines)
	kinds, descs, qtys, prices := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, l := range req.ExtraLines {
		kinds[i], descs[i], qtys[i], prices[i] = l.Kind, l.Description, string(l.Quantity), string(l.UnitPrice)
	}
	tag, err := tx.Exec(ctx, linesSQL, org, invoiceID, req.RepairOrderID, kinds, descs, qtys, prices)
	if err != nil {
		return fmt.Errorf("insert invoice lines: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return oltp.Unprocessable(fmt.Sprintf("repair order %d has nothing to invoice (no approved customer work)", req.RepairOrderID))
	}
	_, err = tx.Exec(ctx, `UPDATE finance.invoice i SET net_total = t.net, tax_total = t.tax, gross_total = t.net + t.tax
		FROM (SELECT coalesce(sum(net_amount), 0) AS net, coalesce(sum(tax_amount), 0) AS tax
		      FROM finance.invoice_line WHERE invoice_id = $1) t
		WHERE i.id = $1`, invoiceID)
	if err != nil {
		return fmt.Errorf("store invoice totals: %w", err)
	}
	return nil
}
