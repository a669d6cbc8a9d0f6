package inventory

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

func registerReorderPoints(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/stock/reorder-points",
		Summary: "Write the computed reorder points (inventory.computed_reorder_points, as of the branch's today) back to its stock levels",
		Roles:   stockWriters, Request: ReorderPointRequest{}, Response: ReorderPoints{}}, writeReorderPoints)
}

// ReorderPointRequest is the body of POST /v1/stock/reorder-points: the
// branch and, optionally, which of its parts (all its stock levels when
// empty).
type ReorderPointRequest struct {
	BranchID int64   `json:"branch_id"`
	PartIDs  []int64 `json:"part_ids,omitempty"`
}

// Validate reports every problem at once.
func (r *ReorderPointRequest) Validate() error {
	var errs []error
	if r.BranchID <= 0 {
		errs = append(errs, errors.New("branch_id must be a positive integer"))
	}
	if len(r.PartIDs) > 1000 {
		errs = append(errs, errors.New("at most 1000 part_ids"))
	}
	for i, id := range r.PartIDs {
		if id <= 0 {
			errs = append(errs, fmt.Errorf("part_ids[%d] must be a positive integer", i))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return oltp.Unprocessable(err.Error())
	}
	return nil
}

// ReorderPoints is the body of the answer: each stock level written, with
// the point it replaced.
type ReorderPoints struct {
	Items []ReorderPointChange `json:"items"`
}

// ReorderPointChange is one stock level's reorder point before and after.
type ReorderPointChange struct {
	PartID   int64   `json:"part_id"`
	Previous Decimal `json:"previous_reorder_point"`
	Computed Decimal `json:"reorder_point"`
	Version  int32   `json:"version"`
}

// writeReorderPoints sets each chosen stock level's reorder point to the
// computed one (rounded to the column's thousandths). The stock level's
// audit trigger records who changed it and when.
func writeReorderPoints(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req ReorderPointRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if err := checkBranch(ctx, call.Tx, call.P, "branch_id", req.BranchID); err != nil {
		return oltp.Result{}, err
	}
	rows, err := call.Tx.Query(ctx, `WITH c AS (
		  SELECT c.part_id, round(c.reorder_point::numeric, 3) AS point
		  FROM core.branch b, inventory.computed_reorder_points(b.id, (now() AT TIME ZONE b.timezone)::date) c
		  WHERE b.id = $1 AND (cardinality($2::bigint[]) = 0 OR c.part_id = ANY ($2))),
		old AS (SELECT sl.id, sl.reorder_point FROM inventory.stock_level sl JOIN c ON c.part_id = sl.part_id
		        WHERE sl.branch_id = $1 FOR UPDATE OF sl)
		UPDATE inventory.stock_level sl SET reorder_point = c.point
		FROM c, old WHERE sl.branch_id = $1 AND sl.part_id = c.part_id AND old.id = sl.id
		RETURNING sl.part_id, old.reorder_point::text, sl.reorder_point::text, sl.version`, req.BranchID, nonNilIDs(req.PartIDs))
	if err != nil {
		return oltp.Result{}, fmt.Errorf("write reorder points: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReorderPointChange, error) {
		var c ReorderPointChange
		err := r.Scan(&c.PartID, &c.Previous, &c.Computed, &c.Version)
		return c, err
	})
	if err != nil {
		return oltp.Result{}, fmt.Errorf("write reorder points: %w", err)
	}
	if items == nil {
		items = []ReorderPointChange{}
	}
	return oltp.Result{Body: ReorderPoints{Items: items}}, nil
}

func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}
