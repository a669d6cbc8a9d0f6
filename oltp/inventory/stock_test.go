package inventory_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/carcarehub/cch/oltp/inventory"
)

func TestConcurrentIssuesNeverOversell(t *testing.T) {
	e := newStockEnv(t)
	part := e.parts["OIL-5W30"]
	e.receipt(t, e.Fix.Branch, part, "10", "8.40")
	var wg sync.WaitGroup
	statuses := make([]int, 50)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := e.Do(t, "manager", "POST", "/v1/stock/issues", map[string]any{
				"branch_id": e.Fix.Branch, "part_id": part, "quantity": 1})
			statuses[i] = res.Status
			if res.Status != http.StatusCreated && !strings.Contains(string(res.Body), "/problems/insufficient-stock") {
				t.Errorf("issue: %d %s", res.Status, res.Body)
			}
		}()
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			ok++
		case http.StatusConflict:
			conflict++
		}
	}
	if ok != 10 || conflict != 40 {
		t.Fatalf("201s = %d, 409s = %d; want 10 and 40", ok, conflict)
	}
	if onHand := e.ledgerConsistent(t, e.Fix.Branch, part); onHand != "0.000" {
		t.Errorf("on_hand = %s, want 0.000", onHand)
	}
	if n := e.Count(t, "inventory.inventory_transaction WHERE kind = 'issue'"); n != 10 {
		t.Errorf("issue rows = %d, want 10", n)
	}
}

func TestReceiptAdjustmentAndCosts(t *testing.T) {
	e := newStockEnv(t)
	part := e.parts["PAD-FRONT"]
	e.receipt(t, e.Fix.Branch, part, "4", "10.00")
	m := e.receipt(t, e.Fix.Branch, part, "6", "15.00")
	// (4 × 10 + 6 × 15) / 10 = 13.00
	if m.OnHand != "10.000" || m.UnitCost == nil || *m.UnitCost != "15.00" {
		t.Errorf("second receipt = %+v", m)
	}
	if avg := e.text(t, `SELECT average_cost::text FROM inventory.stock_level WHERE part_id = $1`, part); avg != "13.00" {
		t.Errorf("average_cost = %s, want 13.00", avg)
	}
	res := e.Do(t, "manager", "POST", "/v1/stock/adjustments", map[string]any{
		"branch_id": e.Fix.Branch, "part_id": part, "quantity": "-2.5", "reason": "damaged in storage"})
	if res.Status != http.StatusCreated {
		t.Fatalf("adjustment: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &m)
	if m.Quantity != "-2.5" || m.OnHand != "7.500" || m.UnitCost == nil || *m.UnitCost != "13.00" {
		t.Errorf("adjustment = %+v", m)
	}
	over := e.Do(t, "manager", "POST", "/v1/stock/adjustments", map[string]any{
		"branch_id": e.Fix.Branch, "part_id": part, "quantity": "-8", "reason": "count"})
	wantProblem(t, over, http.StatusConflict, "insufficient-stock")
	if res := e.Do(t, "manager", "POST", "/v1/stock/adjustments", map[string]any{
		"branch_id": e.Fix.Branch, "part_id": part, "quantity": 1.5, "reason": "found"}); res.Status != http.StatusCreated {
		t.Errorf("positive adjustment: %d %s", res.Status, res.Body)
	}
	if onHand := e.ledgerConsistent(t, e.Fix.Branch, part); onHand != "9.000" {
		t.Errorf("on_hand = %s, want 9.000", onHand)
	}
}

func TestTransferBetweenBranches(t *testing.T) {
	e := newStockEnv(t)
	part := e.parts["FILTER-AIR"]
	other := e.secondBranch(t)
	e.receipt(t, e.Fix.Branch, part, "5", "6.00")
	res := e.Do(t, "manager", "POST", "/v1/stock/transfers", map[string]any{
		"from_branch_id": e.Fix.Branch, "to_branch_id": other, "part_id": part, "quantity": "3", "reference": "TR-1"})
	if res.Status != http.StatusCreated {
		t.Fatalf("transfer: %d %s", res.Status, res.Body)
	}
	var tr inventory.Transfer
	res.JSON(t, &tr)
	if tr.Out.OnHand != "2.000" || tr.In.OnHand != "3.000" || tr.In.Kind != "transfer" || tr.Out.Quantity != "-3" {
		t.Errorf("transfer = %+v", tr)
	}
	if avg := e.text(t, `SELECT average_cost::text FROM inventory.stock_level WHERE branch_id = $1 AND part_id = $2`, other, part); avg != "6.00" {
		t.Errorf("destination average cost = %s, want 6.00", avg)
	}
	e.ledgerConsistent(t, e.Fix.Branch, part)
	e.ledgerConsistent(t, other, part)
	// Too much: nothing moves at either end.
	before := e.Count(t, "inventory.inventory_transaction")
	res = e.Do(t, "manager", "POST", "/v1/stock/transfers", map[string]any{
		"from_branch_id": other, "to_branch_id": e.Fix.Branch, "part_id": part, "quantity": "4"})
	wantProblem(t, res, http.StatusConflict, "insufficient-stock")
	if after := e.Count(t, "inventory.inventory_transaction"); after != before {
		t.Errorf("ledger rows %d → %d after a refused transfer", before, after)
	}
	// The other tenant's branch is not a destination.
	res = e.Do(t, "manager", "POST", "/v1/stock/transfers", map[string]any{
		"from_branch_id": e.Fix.Branch, "to_branch_id": e.Fix.OtherBranch, "part_id": part, "quantity": "1"})
	wantProblem(t, res, http.StatusNotFound, "not-found")
}

func TestReorderAlertQueuedOncePerCrossing(t *testing.T) {
	e := newStockEnv(t)
	part := e.parts["OIL-5W30"]
	e.receipt(t, e.Fix.Branch, part, "10", "8.00")
	e.exec(t, `UPDATE inventory.stock_level SET reorder_point = 5, reorder_qty = 12 WHERE part_id = $1`, part)
	alerts := func() int { return e.Count(t, "core.notification WHERE kind = 'inventory_alert'") }
	issue := func(qty string) {
		t.Helper()
		if res := e.Do(t, "manager", "POST", "/v1/stock/issues", map[string]any{
			"branch_id": e.Fix.Branch, "part_id": part, "quantity": qty}); res.Status != http.StatusCreated {
			t.Fatalf("issue %s: %d %s", qty, res.Status, res.Body)
		}
	}
	for _, step := range []struct {
		qty  string
		want int
	}{{"3", 0}, {"2", 1}, {"1", 1}, {"4", 1}} { // 7, 5 (crossing), 4, 0
		issue(step.qty)
		if n := alerts(); n != step.want {
			t.Fatalf("after issuing %s: %d alerts, want %d", step.qty, n, step.want)
		}
	}
	e.receipt(t, e.Fix.Branch, part, "10", "8.00") // back above: re-armed
	issue("6")                                     // 4: a new crossing
	if n := alerts(); n != 2 {
		t.Errorf("alerts after the second crossing = %d, want 2", n)
	}
	var staff int64
	var payload map[string]any
	err := e.Admin.QueryRow(context.Background(), `SELECT recipient_staff_id, payload FROM core.notification ORDER BY id LIMIT 1`).Scan(&staff, &payload)
	if err != nil || staff != e.Fix.Staff["manager"] || payload["reorder_point"] == nil {
		t.Errorf("alert: staff %d payload %v err %v", staff, payload, err)
	}
}

func TestStockRolesAndCosts(t *testing.T) {
	e := newStockEnv(t)
	e.receipt(t, e.Fix.Branch, e.parts["OIL-5W30"], "3", "8.40")
	for _, role := range []string{"technician", "receptionist", "finance", "manager"} {
		res := e.Do(t, role, "GET", path("/v1/stock?branch_id=%d", e.Fix.Branch), nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", role, res.Status, res.Body)
		}
		hasCost := strings.Contains(string(res.Body), "average_cost")
		if wantCost := role == "finance" || role == "manager"; hasCost != wantCost || !strings.Contains(string(res.Body), `"on_hand":"3.000"`) {
			t.Errorf("%s: cost shown = %v, body %s", role, hasCost, res.Body)
		}
	}
	for _, role := range []string{"technician", "receptionist", "finance", "dispatcher", "auditor"} {
		res := e.Do(t, role, "POST", "/v1/stock/receipts", map[string]any{
			"branch_id": e.Fix.Branch, "part_id": e.parts["OIL-5W30"], "quantity": "1", "unit_cost": "1.00"})
		wantProblem(t, res, http.StatusForbidden, "forbidden")
	}
	wantProblem(t, e.Do(t, "technician", "GET", path("/v1/stock/reorder-suggestions?branch_id=%d", e.Fix.Branch), nil), http.StatusForbidden, "forbidden")
	wantProblem(t, e.Do(t, "dispatcher", "GET", path("/v1/stock?branch_id=%d", e.Fix.Branch), nil), http.StatusForbidden, "forbidden")
}

func TestStockBadInputWritesNothing(t *testing.T) {
	e := newStockEnv(t)
	part := e.parts["OIL-5W30"]
	otherPart := e.scalar(t, `INSERT INTO inventory.part (organisation_id, part_number, name) VALUES ($1, 'X', 'x') RETURNING id`, e.Fix.OtherOrg)
	ok := map[string]any{"branch_id": e.Fix.Branch, "part_id": part, "quantity": "1", "unit_cost": "2.00"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range ok {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	cases := []struct {
		name   string
		body   any
		status int
	}{
		{"malformed", `{"branch_id": `, 400},
		{"unknown field", with("colour", "red"), 400},
		{"wrong type", with("branch_id", "one"), 400},
		{"not a decimal", with("quantity", "1e3"), 422},
		{"zero", with("quantity", 0), 422},
		{"negative receipt", with("quantity", "-1"), 422},
		{"too many decimals", with("unit_cost", "1.005"), 422},
		{"injection", with("quantity", "1; DROP TABLE inventory.part"), 422},
		{"other tenant's part", with("part_id", otherPart), 404},
		{"other tenant's branch", with("branch_id", e.Fix.OtherBranch), 404},
		{"bad id", with("part_id", -4), 422},
		{"oversized", `{"reference": "` + strings.Repeat("x", 1<<20+10) + `"}`, 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.Do(t, "manager", "POST", "/v1/stock/receipts", c.body)
			wantProblem(t, res, c.status, "")
		})
	}
	if n := e.Count(t, "inventory.inventory_transaction") + e.Count(t, "inventory.stock_level"); n != 0 {
		t.Errorf("%d rows written by refused requests", n)
	}
	wantProblem(t, e.Do(t, "manager", "GET", "/v1/stock?branch_id=abc", nil), 400, "bad-request")
	wantProblem(t, e.Do(t, "manager", "POST", "/v1/stock/issues", map[string]any{
		"branch_id": e.Fix.Branch, "part_id": part, "quantity": "1"}), 409, "insufficient-stock")
}
