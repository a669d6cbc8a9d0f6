package inventory

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// Suggestions is the body of GET /v1/stock/reorder-suggestions.
type Suggestions struct {
	Items []Suggestion `json:"items"`
}

// Suggestion is a part at or below its reorder point at a branch, with the
// quantity to order and the supplier to order it from.
type Suggestion struct {
	PartID       int64   `json:"part_id"`
	PartNumber   string  `json:"part_number"`
	PartName     string  `json:"part_name"`
	OnHand       Decimal `json:"on_hand"`
	Reserved     Decimal `json:"reserved"`
	ReorderPoint Decimal `json:"reorder_point"`
	ReorderQty   Decimal `json:"reorder_qty"`
	SuggestedQty Decimal `json:"suggested_qty" doc:"greatest of reorder_qty, what reaches the reorder point, the supplier's minimum order"`
	SupplierID   *int64  `json:"supplier_id"`
	SupplierName *string `json:"supplier_name"`
	LeadTimeDays *int32  `json:"lead_time_days"`
	UnitCost     *string `json:"unit_cost"`
}

// reorderSQL lists parts whose available stock (on hand - reserved) is at
// or below a positive reorder point (the predicate of the partial index
// stock_level_reorder_idx). The supplier is the preferred one, then the
// cheapest, then the fastest.
const reorderSQL = `
SELECT sl.part_id, pt.part_number, pt.name, sl.on_hand::text, sl.reserved::text, sl.reorder_point::text, sl.reorder_qty::text,
  greatest(sl.reorder_qty, sl.reorder_point - (sl.on_hand - sl.reserved), coalesce(sp.minimum_order_qty, 0))::text,
  sp.supplier_id, sp.supplier_name, sp.lead_time_days, sp.unit_cost::text
FROM inventory.stock_level sl
JOIN inventory.part pt ON pt.id = sl.part_id AND pt.active
LEFT JOIN LATERAL (
  SELECT p.supplier_id, s.name AS supplier_name, p.lead_time_days, p.unit_cost, p.minimum_order_qty
  FROM inventory.supplier_part p JOIN inventory.supplier s ON s.id = p.supplier_id AND s.active
  WHERE p.part_id = sl.part_id
  ORDER BY p.preferred DESC, p.unit_cost, p.lead_time_days, p.id LIMIT 1) sp ON true
WHERE sl.branch_id = $1 AND (sl.on_hand - sl.reserved) <= sl.reorder_point AND sl.reorder_point > 0
ORDER BY pt.part_number`

func reorderSuggestions(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	rows, err := call.Tx.Query(ctx, reorderSQL, call.QueryInt("branch_id"))
	if err != nil {
		return oltp.Result{}, fmt.Errorf("reorder suggestions: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Suggestion, error) {
		var s Suggestion
		err := r.Scan(&s.PartID, &s.PartNumber, &s.PartName, &s.OnHand, &s.Reserved, &s.ReorderPoint, &s.ReorderQty,
			&s.SuggestedQty, &s.SupplierID, &s.SupplierName, &s.LeadTimeDays, &s.UnitCost)
		return s, err
	})
	if err != nil {
		return oltp.Result{}, fmt.Errorf("reorder suggestions: %w", err)
	}
	if items == nil {
		items = []Suggestion{}
	}
	return oltp.Result{Body: Suggestions{Items: items}}, nil
}
