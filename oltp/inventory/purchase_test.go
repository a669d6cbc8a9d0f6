package inventory_test

import (
	"net/http"
	"testing"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/inventory"
)

func TestPurchaseOrderLifecycle(t *testing.T) {
	e := newStockEnv(t)
	oil, pads := e.parts["OIL-5W30"], e.parts["PAD-FRONT"]
	sup := e.scalar(t, `INSERT INTO inventory.supplier (organisation_id, name) VALUES ($1, 'Parts Co') RETURNING id`, e.Fix.Org)
	e.exec(t, `INSERT INTO inventory.supplier_part (organisation_id, supplier_id, part_id, unit_cost, lead_time_days) VALUES ($1, $2, $3, 7.25, 2)`,
		e.Fix.Org, sup, oil)
	res := e.Do(t, "manager", "POST", "/v1/purchase-orders", map[string]any{"branch_id": e.Fix.Branch, "supplier_id": sup,
		"lines": []map[string]any{{"part_id": oil, "quantity": "10"}, {"part_id": pads, "quantity": 4, "unit_cost": "22.10"}}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var po inventory.PurchaseOrder
	res.JSON(t, &po)
	if po.Status != "draft" || len(po.Lines) != 2 || po.Lines[0].UnitCost != "7.25" || po.Lines[1].UnitCost != "22.10" {
		t.Fatalf("created = %+v", po)
	}
	etag := res.Header.Get("ETag")
	// Receiving a draft is an illegal transition; sending needs If-Match.
	wantProblem(t, e.Do(t, "manager", "POST", path("/v1/purchase-orders/%d/receive", po.ID), map[string]any{
		"lines": []map[string]any{{"line_id": po.Lines[0].ID, "quantity": "1"}}}, "If-Match", etag), http.StatusConflict, "illegal-transition")
	wantProblem(t, e.Do(t, "manager", "POST", path("/v1/purchase-orders/%d/send", po.ID), nil), http.StatusPreconditionRequired, "")
	res = e.Do(t, "manager", "POST", path("/v1/purchase-orders/%d/send", po.ID), nil, "If-Match", etag)
	if res.Status != http.StatusOK {
		t.Fatalf("send: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &po)
	if po.Status != "sent" || po.PONumber == nil || po.OrderedAt == nil {
		t.Errorf("sent = %+v", po)
	}
	wantProblem(t, e.Do(t, "manager", "POST", path("/v1/purchase-orders/%d/cancel", po.ID), nil, "If-Match", etag), http.StatusPreconditionFailed, "")
	recv := func(lines ...map[string]any) {
		t.Helper()
		res := e.Do(t, "manager", "POST", path("/v1/purchase-orders/%d/receive", po.ID), map[string]any{"lines": lines},
			"If-Match", oltp.ETag(po.ID, po.Version))
		if res.Status != http.StatusOK {
			t.Fatalf("receive: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &po)
	}
	recv(map[string]any{"line_id": po.Lines[0].ID, "quantity": "6"})
	if po.Status != "partially_received" || po.Lines[0].QuantityReceived != "6.000" {
		t.Errorf("partial = %+v", po)
	}
	over := e.Do(t, "manager", "POST", path("/v1/purchase-orders/%d/receive", po.ID), map[string]any{
		"lines": []map[string]any{{"line_id": po.Lines[0].ID, "quantity": "5"}}}, "If-Match", oltp.ETag(po.ID, po.Version))
	wantProblem(t, over, http.StatusUnprocessableEntity, "validation")
	recv(map[string]any{"line_id": po.Lines[0].ID, "quantity": "4"}, map[string]any{"line_id": po.Lines[1].ID, "quantity": "4"})
	if po.Status != "received" || po.ReceivedAt == nil {
		t.Errorf("received = %+v", po)
	}
	if oh := e.ledgerConsistent(t, e.Fix.Branch, oil); oh != "10.000" {
		t.Errorf("oil on hand = %s", oh)
	}
	if oh := e.ledgerConsistent(t, e.Fix.Branch, pads); oh != "4.000" {
		t.Errorf("pads on hand = %s", oh)
	}
	if n := e.Count(t, "inventory.inventory_transaction WHERE purchase_order_line_id IS NOT NULL AND kind = 'receipt'"); n != 3 {
		t.Errorf("receipts linked to order lines = %d, want 3", n)
	}
	wantProblem(t, e.Do(t, "manager", "POST", path("/v1/purchase-orders/%d/cancel", po.ID), nil, "If-Match", oltp.ETag(po.ID, po.Version)),
		http.StatusConflict, "illegal-transition")
	if got := e.Do(t, "finance", "GET", path("/v1/purchase-orders/%d", po.ID), nil); got.Status != http.StatusOK || got.Header.Get("ETag") != oltp.ETag(po.ID, po.Version) {
		t.Errorf("finance read: %d %s", got.Status, got.Header.Get("ETag"))
	}
	wantProblem(t, e.Do(t, "technician", "GET", path("/v1/purchase-orders/%d", po.ID), nil), http.StatusForbidden, "forbidden")
}

func TestPurchaseOrderBadLinesWriteNothing(t *testing.T) {
	e := newStockEnv(t)
	sup := e.scalar(t, `INSERT INTO inventory.supplier (organisation_id, name) VALUES ($1, 'Parts Co') RETURNING id`, e.Fix.Org)
	// No unit cost and no supplier price for the part: refused, nothing kept.
	res := e.Do(t, "manager", "POST", "/v1/purchase-orders", map[string]any{"branch_id": e.Fix.Branch, "supplier_id": sup,
		"lines": []map[string]any{{"part_id": e.parts["OIL-5W30"], "quantity": "1"}}})
	wantProblem(t, res, http.StatusUnprocessableEntity, "validation")
	res = e.Do(t, "manager", "POST", "/v1/purchase-orders", map[string]any{"branch_id": e.Fix.Branch, "supplier_id": sup, "lines": []any{}})
	wantProblem(t, res, http.StatusUnprocessableEntity, "validation")
	if n := e.Count(t, "inventory.purchase_order"); n != 0 {
		t.Errorf("%d purchase orders written", n)
	}
}

func TestReorderSuggestions(t *testing.T) {
	e := newStockEnv(t)
	oil, pads := e.parts["OIL-5W30"], e.parts["PAD-FRONT"]
	e.receipt(t, e.Fix.Branch, oil, "3", "8.00")
	e.receipt(t, e.Fix.Branch, pads, "20", "20.00")
	e.exec(t, `UPDATE inventory.stock_level SET reorder_point = 5, reorder_qty = CASE WHEN part_id = $1 THEN 0 ELSE 10 END`, oil)
	cheap := e.scalar(t, `INSERT INTO inventory.supplier (organisation_id, name) VALUES ($1, 'Cheap') RETURNING id`, e.Fix.Org)
	fast := e.scalar(t, `INSERT INTO inventory.supplier (organisation_id, name) VALUES ($1, 'Fast') RETURNING id`, e.Fix.Org)
	e.exec(t, `INSERT INTO inventory.supplier_part (organisation_id, supplier_id, part_id, unit_cost, lead_time_days)
		VALUES ($1, $2, $4, 6.90, 5), ($1, $3, $4, 7.40, 1)`, e.Fix.Org, cheap, fast, oil)
	res := e.Do(t, "finance", "GET", path("/v1/stock/reorder-suggestions?branch_id=%d", e.Fix.Branch), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("suggestions: %d %s", res.Status, res.Body)
	}
	var s inventory.Suggestions
	res.JSON(t, &s)
	if len(s.Items) != 1 {
		t.Fatalf("suggestions = %+v, want only the oil", s.Items)
	}
	got := s.Items[0]
	// reorder_qty 0, so enough to reach the point: 5 - 3 = 2.
	if got.PartID != oil || got.SuggestedQty != "2.000" || got.SupplierID == nil || *got.SupplierID != cheap ||
		got.UnitCost == nil || *got.UnitCost != "6.90" {
		t.Errorf("suggestion = %+v", got)
	}
}

func TestListPurchaseOrders(t *testing.T) {
	e := newStockEnv(t)
	oil, pads := e.parts["OIL-5W30"], e.parts["PAD-FRONT"]
	sup := e.scalar(t, `INSERT INTO inventory.supplier (organisation_id, name) VALUES ($1, 'Parts Co') RETURNING id`, e.Fix.Org)
	var ids []int64
	for _, lines := range [][]map[string]any{
		{{"part_id": oil, "quantity": "10", "unit_cost": "7.25"}, {"part_id": pads, "quantity": 4, "unit_cost": "22.10"}},
		{{"part_id": pads, "quantity": 1, "unit_cost": "22.10"}},
		{{"part_id": oil, "quantity": 2, "unit_cost": "7.00"}},
	} {
		res := e.Do(t, "manager", "POST", "/v1/purchase-orders", map[string]any{"branch_id": e.Fix.Branch, "supplier_id": sup, "lines": lines})
		if res.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var po inventory.PurchaseOrder
		res.JSON(t, &po)
		ids = append(ids, po.ID)
		if len(ids) == 2 {
			if res := e.Do(t, "manager", "POST", path("/v1/purchase-orders/%d/send", po.ID), nil, "If-Match", res.Header.Get("ETag")); res.Status != http.StatusOK {
				t.Fatalf("send: %d %s", res.Status, res.Body)
			}
		}
	}
	list := func(role, query string) oltp.Collection[inventory.PurchaseOrder] {
		t.Helper()
		res := e.Do(t, role, "GET", "/v1/purchase-orders"+query, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("GET /v1/purchase-orders%s as %s: %d %s", query, role, res.Status, res.Body)
		}
		var col oltp.Collection[inventory.PurchaseOrder]
		res.JSON(t, &col)
		return col
	}
	col := list("finance", path("?supplier_id=%d&limit=2", sup))
	if len(col.Items) != 2 || col.Items[0].ID != ids[0] || len(col.Items[0].Lines) != 2 || col.Items[0].Lines[1].UnitCost != "22.10" ||
		len(col.Items[1].Lines) != 1 || col.NextCursor == "" {
		t.Fatalf("first page: %+v", col)
	}
	if col := list("manager", "?cursor="+col.NextCursor); len(col.Items) != 1 || col.Items[0].ID != ids[2] || col.NextCursor != "" {
		t.Errorf("second page: %+v", col)
	}
	if col := list("manager", path("?status=sent&branch_id=%d", e.Fix.Branch)); len(col.Items) != 1 || col.Items[0].ID != ids[1] {
		t.Errorf("sent orders: %+v", col)
	}
	wantProblem(t, e.Do(t, "manager", "GET", "/v1/purchase-orders?status=lost", nil), http.StatusBadRequest, "bad-request")
	wantProblem(t, e.Do(t, "receptionist", "GET", "/v1/purchase-orders", nil), http.StatusForbidden, "forbidden")
}
