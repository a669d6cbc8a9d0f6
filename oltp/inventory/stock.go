package inventory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// Roles. The database grants stock writes to managers only (finance reads
// inventory with costs; the front desk and technicians read levels without
// costs), so the routes say the same.
var (
	stockReaders = []string{"manager", "finance", "technician", "receptionist"}
	stockWriters = []string{"manager"}
	buyers       = []string{"manager"}
	buyReaders   = []string{"manager", "finance"}
	costRoles    = []string{"manager", "finance"}
)

// CanSeeCosts reports whether p's role may read cost columns (average and
// unit costs). Column grants enforce it in the database; the API uses it to
// decide which columns to name.
func CanSeeCosts(p oltp.Principal) bool { return slices.Contains(costRoles, p.Role) }

// Register mounts the inventory workflows on api.
func Register(api *oltp.API) {
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/stock", Summary: "List stock levels of a branch",
		Roles: stockReaders, Response: oltp.Collection[StockLevel]{}, Query: append([]oltp.Param{branchParam}, oltp.PageParams...)}, listStock)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/stock/reorder-suggestions", Summary: "List parts to reorder at a branch",
		Roles: buyReaders, Response: Suggestions{}, Query: []oltp.Param{branchParam}}, reorderSuggestions)
	registerMovements(api)
	registerReorderPoints(api)
	registerPurchaseOrders(api)
}

// StockLevel is the API view of inventory.stock_level. AverageCost is
// present only for roles that may read costs.
type StockLevel struct {
	ID           int64   `json:"id"`
	BranchID     int64   `json:"branch_id"`
	PartID       int64   `json:"part_id"`
	PartNumber   string  `json:"part_number"`
	PartName     string  `json:"part_name"`
	OnHand       Decimal `json:"on_hand"`
	Reserved     Decimal `json:"reserved"`
	Available    Decimal `json:"available"`
	ReorderPoint Decimal `json:"reorder_point"`
	ReorderQty   Decimal `json:"reorder_qty"`
	BinLocation  *string `json:"bin_location"`
	AverageCost  *string `json:"average_cost,omitempty"`
	Version      int32   `json:"version"`
}

// selectStock names its columns: average_cost only in the cost variant.
const selectStock = `SELECT sl.id, sl.branch_id, sl.part_id, pt.part_number, pt.name, sl.on_hand::text, sl.reserved::text,
  (sl.on_hand - sl.reserved)::text, sl.reorder_point::text, sl.reorder_qty::text, sl.bin_location, sl.version, %s
FROM inventory.stock_level sl JOIN inventory.part pt ON pt.id = sl.part_id
WHERE sl.branch_id = $1 AND sl.id > $2 ORDER BY sl.id LIMIT $3`

func listStock(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	page, err := oltp.ParsePage(call.Gin)
	if err != nil {
		return oltp.Result{}, err
	}
	branch := call.QueryInt("branch_id")
	cost := "NULL::text"
	if CanSeeCosts(call.P) {
		cost = "sl.average_cost::text"
	}
	rows, err := call.Tx.Query(ctx, fmt.Sprintf(selectStock, cost), branch, page.After, page.Limit+1)
	if err != nil {
		return oltp.Result{}, fmt.Errorf("list stock: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StockLevel, error) {
		var s StockLevel
		err := r.Scan(&s.ID, &s.BranchID, &s.PartID, &s.PartNumber, &s.PartName, &s.OnHand, &s.Reserved,
			&s.Available, &s.ReorderPoint, &s.ReorderQty, &s.BinLocation, &s.Version, &s.AverageCost)
		return s, err
	})
	if err != nil {
		return oltp.Result{}, fmt.Errorf("list stock: %w", err)
	}
	return oltp.Result{Body: oltp.NewCollection(items, page.Limit, func(s StockLevel) int64 { return s.ID })}, nil
}

// branchParam is the required branch of the stock reads.
var branchParam = oltp.Param{Name: "branch_id", Type: oltp.ParamInteger, Required: true, Doc: "the branch"}

// checkBranch makes sure branch id is one the caller acts for (their
// scope) and exists in their organisation (RLS hides other tenants').
func checkBranch(ctx context.Context, tx pgx.Tx, p oltp.Principal, field string, id int64) error {
	return oltp.CheckBranch(ctx, tx, p, field, id)
}

// checkOrgBranch makes sure branch id exists in the caller's organisation.
func checkOrgBranch(ctx context.Context, tx pgx.Tx, field string, id int64) error {
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core.branch WHERE id = $1)`, id).Scan(&ok); err != nil {
		return fmt.Errorf("check branch: %w", err)
	}
	if !ok {
		return oltp.NotFound(fmt.Sprintf("%s %d does not exist", field, id))
	}
	return nil
}

// checkPart makes sure part id exists in the caller's organisation. Foreign
// keys are checked without RLS, so this visibility check is what keeps a
// tenant from moving another tenant's part.
func checkPart(ctx context.Context, tx pgx.Tx, id int64) error {
	var active bool
	err := tx.QueryRow(ctx, `SELECT active FROM inventory.part WHERE id = $1`, id).Scan(&active)
	if errors.Is(err, pgx.ErrNoRows) {
		return oltp.NotFound(fmt.Sprintf("part %d does not exist", id))
	} else if err != nil {
		return fmt.Errorf("check part: %w", err)
	}
	return nil
}
