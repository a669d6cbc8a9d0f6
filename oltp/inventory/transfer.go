package inventory

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// TransferRequest is the body of POST /v1/stock/transfers: move stock of one
// part from a branch the caller acts for to another branch of the
// organisation.
type TransferRequest struct {
	FromBranchID int64   `json:"from_branch_id"`
	ToBranchID   int64   `json:"to_branch_id"`
	PartID       int64   `json:"part_id"`
	Quantity     Decimal `json:"quantity"`
	Reference    string  `json:"reference,omitempty"`
}

// Transfer is the outcome of a transfer: the issue at the source and the
// receipt at the destination, both ledger rows of kind transfer.
type Transfer struct {
	Out Movement `json:"out"`
	In  Movement `json:"in"`
}

// Validate reports every problem of a transfer at once.
func (r *TransferRequest) Validate() error {
	var errs []error
	if r.ToBranchID <= 0 {
		errs = append(errs, errors.New("to_branch_id must be a positive integer"))
	} else if r.ToBranchID == r.FromBranchID {
		errs = append(errs, errors.New("to_branch_id must differ from from_branch_id"))
	}
	return validate(r.FromBranchID, r.PartID, r.Reference, append(errs, oltp.CheckQuantity("quantity", r.Quantity, false))...)
}

// transfer issues at the source and receives at the destination in the
// request's one transaction, at the source's average cost. Both level rows
// are locked in id order first, so opposite transfers cannot deadlock.
func transfer(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req TransferRequest
	if err := bindMovement(ctx, call, &req, &req.FromBranchID, &req.PartID); err != nil {
		return oltp.Result{}, err
	}
	if err := checkOrgBranch(ctx, call.Tx, "to_branch_id", req.ToBranchID); err != nil {
		return oltp.Result{}, err
	}
	if err := lockLevels(ctx, call.Tx, req.PartID, req.FromBranchID, req.ToBranchID); err != nil {
		return oltp.Result{}, err
	}
	qty := string(req.Quantity)
	cost, err := takeOut(ctx, call.Tx, call.P, req.FromBranchID, req.PartID, qty)
	if err != nil {
		return oltp.Result{}, err
	}
	out := movement{branchID: req.FromBranchID, partID: req.PartID, kind: "transfer", qty: qty, unitCost: cost,
		transferBranchID: &req.ToBranchID, reference: req.Reference}
	outID, err := writeLedger(ctx, call.Tx, call.P, out, -1)
	if err != nil {
		return oltp.Result{}, err
	}
	in := out
	in.branchID, in.transferBranchID = req.ToBranchID, &req.FromBranchID
	var res Transfer
	if res.In, err = receiveStock(ctx, call.Tx, call.P, in); err != nil {
		return oltp.Result{}, err
	}
	if res.Out, err = movementResult(ctx, call.Tx, call.P, outID, out, "-"); err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Status: http.StatusCreated, Body: res}, nil
}

// lockLevels locks the existing stock level rows of a part at the given
// branches in id order.
func lockLevels(ctx context.Context, tx pgx.Tx, partID int64, branchIDs ...int64) error {
	rows, err := tx.Query(ctx, `SELECT id FROM inventory.stock_level WHERE part_id = $1 AND branch_id = ANY($2)
		ORDER BY id FOR UPDATE`, partID, branchIDs)
	if err != nil {
		return fmt.Errorf("lock stock levels: %w", err)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lock stock levels: %w", err)
	}
	return nil
}
