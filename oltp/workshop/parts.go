package workshop

import (
	"context"
	"net/http"
	"slices"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/inventory"
)

// PartLineRequest fits a part on a job. Quantity and price are decimal
// strings ("2", "1.500", "45.00"); the unit cost is the branch's average
// cost, filled in by the database.
type PartLineRequest struct {
	PartID    int64        `json:"part_id"`
	Quantity  oltp.Decimal `json:"quantity"`
	UnitPrice oltp.Decimal `json:"unit_price"`
}

func registerParts(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/repair-jobs/:id/part-lines", Summary: "Fit a part on a job, issuing it from stock",
		Roles: advisors, Request: PartLineRequest{}, Response: PartLineOut{}, Status: http.StatusCreated}, addPartLine)
}

// addPartLine writes the part line and issues the stock in the same
// transaction: insufficient stock (409) leaves neither behind.
func addPartLine(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req PartLineRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if req.PartID <= 0 || req.Quantity == "" || req.UnitPrice == "" {
		return oltp.Result{}, oltp.Unprocessable("part_id, quantity and unit_price are required")
	}
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	j, err := lockJob(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	if !slices.Contains([]string{"approved", "in_progress", "done"}, j.status) {
		return oltp.Result{}, oltp.Conflict("illegal-transition", "parts can be fitted only on approved jobs, not a "+j.status+" one")
	}
	var l PartLineOut
	err = call.Tx.QueryRow(ctx, `INSERT INTO workshop.part_line (organisation_id, branch_id, repair_job_id, part_id, quantity, unit_price, sale_amount)
		VALUES ($1, $2, $3, $4, $5::numeric, $6::numeric, 0)
		RETURNING id, part_id, quantity::text, unit_price::text, sale_amount::text`,
		call.P.OrganisationID, j.branchID, j.id, req.PartID, string(req.Quantity), string(req.UnitPrice),
	).Scan(&l.ID, &l.PartID, &l.Quantity, &l.UnitPrice, &l.SaleAmount)
	if err != nil {
		return oltp.Result{}, err
	}
	if _, _, err := inventory.IssueStock(ctx, call.Tx, call.P, j.branchID, req.PartID, string(req.Quantity),
		inventory.IssueRef{PartLineID: l.ID, Reference: "repair job " + call.Gin.Param("id")}); err != nil {
		return oltp.Result{}, err
	}
	if _, err := call.Tx.Exec(ctx, `UPDATE workshop.part_line SET issued_at = now() WHERE id = $1`, l.ID); err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Status: http.StatusCreated, Body: l}, nil
}
