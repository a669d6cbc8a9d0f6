package inventory_test

import (
	"math"
	"net/http"
	"testing"

	"github.com/carcarehub/cch/oltp/inventory"
)

func TestComputedReorderPointsWrittenBack(t *testing.T) {
	e := newStockEnv(t)
	oil, pads := e.parts["OIL-5W30"], e.parts["PAD-FRONT"]
	e.receipt(t, e.Fix.Branch, oil, "100", "8.00")
	e.receipt(t, e.Fix.Branch, pads, "20", "20.00")
	sup := e.scalar(t, `INSERT INTO inventory.supplier (organisation_id, name) VALUES ($1, 'Parts Co') RETURNING id`, e.Fix.Org)
	e.exec(t, `INSERT INTO inventory.supplier_part (organisation_id, supplier_id, part_id, unit_cost, lead_time_days, preferred)
		VALUES ($1, $2, $3, 6.90, 4, true)`, e.Fix.Org, sup, oil)
	// Oil used 9 ten days ago and 3 three days ago (and 50 long before the
	// 90 days): average 12 ÷ 90 a day, σ = √((81 + 9 − 12²/90) ÷ 89).
	e.exec(t, `INSERT INTO inventory.inventory_transaction (organisation_id, branch_id, part_id, kind, quantity, occurred_at) VALUES
		($1, $2, $3, 'issue', -9, now() - interval '10 days'), ($1, $2, $3, 'issue', -3, now() - interval '3 days'),
		($1, $2, $3, 'issue', -50, now() - interval '120 days')`, e.Fix.Org, e.Fix.Branch, oil)
	avg, sd := 12.0/90, math.Sqrt((90-144.0/90)/89)
	want := math.Round((avg*4+1.65*sd*2)*1000) / 1000 // 3.822

	wantProblem(t, e.Do(t, "finance", "POST", "/v1/stock/reorder-points", map[string]any{"branch_id": e.Fix.Branch}), http.StatusForbidden, "")
	wantProblem(t, e.Do(t, "manager", "POST", "/v1/stock/reorder-points", map[string]any{"branch_id": 0, "part_ids": []int64{-1}}),
		http.StatusUnprocessableEntity, "validation")
	res := e.Do(t, "manager", "POST", "/v1/stock/reorder-points", map[string]any{"branch_id": e.Fix.Branch, "part_ids": []int64{oil}})
	if res.Status != http.StatusOK {
		t.Fatalf("write back: %d %s", res.Status, res.Body)
	}
	var got inventory.ReorderPoints
	res.JSON(t, &got)
	if len(got.Items) != 1 || got.Items[0].PartID != oil || got.Items[0].Previous != "0.000" {
		t.Fatalf("written = %+v, want only the oil, from 0", got.Items)
	}
	if r, _ := got.Items[0].Computed.Rat().Float64(); math.Abs(r-want) > 1e-9 {
		t.Errorf("reorder point = %s, want %.3f", got.Items[0].Computed, want)
	}
	if p := e.text(t, `SELECT reorder_point::text FROM inventory.stock_level WHERE part_id = $1`, pads); p != "0.000" {
		t.Errorf("pads' reorder point = %s; only the oil was asked for", p)
	}
	// Who and when: the stock level's audit entry names the manager.
	if n := e.scalar(t, `SELECT count(*) FROM audit.staff_audit_log WHERE table_name = 'inventory.stock_level' AND action = 'UPDATE'
		AND actor_role = 'manager' AND actor_staff_id IS NOT NULL AND occurred_at > now() - interval '1 minute'
		AND new_values ? 'reorder_point'`); n != 1 {
		t.Errorf("%d audited reorder point changes by the manager, want 1", n)
	}
	// The whole branch: pads have no usage and no supplier, so 0.
	res = e.Do(t, "manager", "POST", "/v1/stock/reorder-points", map[string]any{"branch_id": e.Fix.Branch})
	res.JSON(t, &got)
	if res.Status != http.StatusOK || len(got.Items) != 2 {
		t.Fatalf("whole branch: %d %+v", res.Status, got.Items)
	}
}
