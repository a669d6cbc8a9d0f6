package inventory_test

import (
	"net/http"
	"testing"
)

func TestAutoPurchaseOrderOncePerCrossing(t *testing.T) {
	e := newStockEnv(t)
	oil, pads := e.parts["OIL-5W30"], e.parts["PAD-FRONT"]
	e.receipt(t, e.Fix.Branch, oil, "10", "8.00")
	e.receipt(t, e.Fix.Branch, pads, "10", "20.00")
	preferred := e.scalar(t, `INSERT INTO inventory.supplier (organisation_id, name) VALUES ($1, 'Preferred') RETURNING id`, e.Fix.Org)
	other := e.scalar(t, `INSERT INTO inventory.supplier (organisation_id, name) VALUES ($1, 'Other') RETURNING id`, e.Fix.Org)
	e.exec(t, `INSERT INTO inventory.supplier_part (organisation_id, supplier_id, part_id, unit_cost, lead_time_days, minimum_order_qty, preferred)
		VALUES ($1, $2, $4, 6.90, 3, 12, true), ($1, $3, $4, 5.00, 1, 1, false), ($1, $3, $5, 19.00, 1, 1, false)`,
		e.Fix.Org, preferred, other, oil, pads)
	e.exec(t, `UPDATE inventory.stock_level SET reorder_point = 5, reorder_qty = 0`)
	issue := func(part int64, qty string) {
		t.Helper()
		res := e.Do(t, "manager", "POST", "/v1/stock/issues", map[string]any{"branch_id": e.Fix.Branch, "part_id": part, "quantity": qty})
		if res.Status != http.StatusCreated {
			t.Fatalf("issue %s: %d %s", qty, res.Status, res.Body)
		}
	}
	autoPOs := func() int64 {
		return e.scalar(t, `SELECT count(*) FROM inventory.purchase_order WHERE auto_generated AND status = 'draft'`)
	}

	issue(oil, "4") // 6 free: above the point
	if n := autoPOs(); n != 0 {
		t.Fatalf("%d automatic orders above the reorder point", n)
	}
	issue(oil, "1") // 5: crosses
	if n := autoPOs(); n != 1 {
		t.Fatalf("%d automatic orders after the crossing, want 1", n)
	}
	// The preferred supplier (not the cheaper other one), its minimum order
	// of 12 (more than the 0 needed to reach the point), its unit cost; the
	// manager whose issue crossed the point created it.
	if got := e.text(t, `SELECT po.supplier_id || ' ' || l.quantity_ordered || ' ' || l.unit_cost || ' ' || (po.created_by_staff_id IS NOT NULL)
		FROM inventory.purchase_order po JOIN inventory.purchase_order_line l ON l.purchase_order_id = po.id
		WHERE po.auto_generated AND l.part_id = $1`, oil); got != e.text(t, `SELECT $1::bigint || ' 12.000 6.90 true'`, preferred) {
		t.Errorf("automatic order = %q", got)
	}
	issue(oil, "1") // 4: still below, no second order
	if n := autoPOs(); n != 1 {
		t.Fatalf("%d automatic orders while below the point, want 1", n)
	}
	e.receipt(t, e.Fix.Branch, oil, "10", "8.00") // 14: above again
	issue(oil, "9")                               // 5: a second crossing
	if n := autoPOs(); n != 2 {
		t.Fatalf("%d automatic orders after the second crossing, want 2", n)
	}
	issue(pads, "6") // crosses, but pads have no preferred supplier
	if n := autoPOs(); n != 2 {
		t.Errorf("%d automatic orders; a part without a preferred supplier orders nothing", n)
	}
}
