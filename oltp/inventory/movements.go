package inventory

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

func registerMovements(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/stock/receipts", Summary: "Receive stock into a branch",
		Roles: stockWriters, Request: ReceiptRequest{}, Response: Movement{}, Status: http.StatusCreated}, receive)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/stock/adjustments", Summary: "Adjust stock of a branch",
		Roles: stockWriters, Request: AdjustmentRequest{}, Response: Movement{}, Status: http.StatusCreated}, adjust)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/stock/issues", Summary: "Issue stock from a branch",
		Roles: stockWriters, Request: IssueRequest{}, Response: Movement{}, Status: http.StatusCreated}, issue)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/stock/transfers", Summary: "Transfer stock between branches",
		Roles: stockWriters, Request: TransferRequest{}, Response: Transfer{}, Status: http.StatusCreated}, transfer)
}

// Movement is the outcome of one stock movement: the ledger row and the
// level after it. UnitCost is present only for roles that may read costs.
type Movement struct {
	TransactionID int64   `json:"transaction_id"`
	Kind          string  `json:"kind"`
	BranchID      int64   `json:"branch_id"`
	PartID        int64   `json:"part_id"`
	Quantity      Decimal `json:"quantity" doc:"signed: + in, - out"`
	OnHand        Decimal `json:"on_hand"`
	UnitCost      *string `json:"unit_cost,omitempty"`
}

// ReceiptRequest is the body of POST /v1/stock/receipts.
type ReceiptRequest struct {
	BranchID  int64   `json:"branch_id"`
	PartID    int64   `json:"part_id"`
	Quantity  Decimal `json:"quantity"`
	UnitCost  Decimal `json:"unit_cost"`
	Reference string  `json:"reference,omitempty"`
}

// AdjustmentRequest is the body of POST /v1/stock/adjustments: a signed
// quantity and the reason.
type AdjustmentRequest struct {
	BranchID int64   `json:"branch_id"`
	PartID   int64   `json:"part_id"`
	Quantity Decimal `json:"quantity" doc:"signed, not zero"`
	Reason   string  `json:"reason"`
}

// IssueRequest is the body of POST /v1/stock/issues.
type IssueRequest struct {
	BranchID   int64   `json:"branch_id"`
	PartID     int64   `json:"part_id"`
	Quantity   Decimal `json:"quantity"`
	PartLineID int64   `json:"part_line_id,omitempty"`
	Reference  string  `json:"reference,omitempty"`
}

func validate(branchID, partID int64, reference string, more ...error) error {
	errs := more
	if branchID <= 0 {
		errs = append(errs, errors.New("branch_id must be a positive integer"))
	}
	if partID <= 0 {
		errs = append(errs, errors.New("part_id must be a positive integer"))
	}
	if len(reference) > 200 {
		errs = append(errs, errors.New("reference/reason is limited to 200 characters"))
	}
	if err := errors.Join(errs...); err != nil {
		return oltp.Unprocessable(err.Error())
	}
	return nil
}

// Validate reports every problem of a receipt at once.
func (r *ReceiptRequest) Validate() error {
	return validate(r.BranchID, r.PartID, r.Reference, oltp.CheckQuantity("quantity", r.Quantity, false), oltp.CheckMoney("unit_cost", r.UnitCost))
}

// Validate reports every problem of an adjustment at once.
func (r *AdjustmentRequest) Validate() error {
	var errs []error
	if r.Reason == "" {
		errs = append(errs, errors.New("reason is required"))
	}
	return validate(r.BranchID, r.PartID, r.Reason, append(errs, oltp.CheckQuantity("quantity", r.Quantity, true))...)
}

// Validate reports every problem of an issue at once.
func (r *IssueRequest) Validate() error {
	var errs []error
	if r.PartLineID < 0 {
		errs = append(errs, errors.New("part_line_id must be a positive integer"))
	}
	return validate(r.BranchID, r.PartID, r.Reference, append(errs, oltp.CheckQuantity("quantity", r.Quantity, false))...)
}

// bindMovement decodes and validates a request and checks its branch and
// part against the caller's scope and organisation.
func bindMovement(ctx context.Context, call *oltp.Call, req interface{ Validate() error }, branchID, partID *int64) error {
	if err := call.Bind(req); err != nil { // Bind validates too
		return err
	}
	if err := checkBranch(ctx, call.Tx, call.P, "branch_id", *branchID); err != nil {
		return err
	}
	return checkPart(ctx, call.Tx, *partID)
}

func receive(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req ReceiptRequest
	if err := bindMovement(ctx, call, &req, &req.BranchID, &req.PartID); err != nil {
		return oltp.Result{}, err
	}
	cost := string(req.UnitCost)
	m := movement{branchID: req.BranchID, partID: req.PartID, kind: "receipt", qty: string(req.Quantity),
		unitCost: &cost, reference: req.Reference}
	mv, err := receiveStock(ctx, call.Tx, call.P, m)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Status: http.StatusCreated, Body: mv}, nil
}

// receiveStock puts m in (re-weighting the average cost) and appends it.
func receiveStock(ctx context.Context, tx pgx.Tx, p oltp.Principal, m movement) (Movement, error) {
	if err := putIn(ctx, tx, p, m.branchID, m.partID, m.qty, m.unitCost); err != nil {
		return Movement{}, err
	}
	id, err := writeLedger(ctx, tx, p, m, 1)
	if err != nil {
		return Movement{}, err
	}
	return movementResult(ctx, tx, p, id, m, "")
}

// movementResult reads the level after a movement for the response.
func movementResult(ctx context.Context, tx pgx.Tx, p oltp.Principal, id int64, m movement, sign string) (Movement, error) {
	mv := Movement{TransactionID: id, Kind: m.kind, BranchID: m.branchID, PartID: m.partID, Quantity: Decimal(sign + m.qty)}
	if CanSeeCosts(p) {
		mv.UnitCost = m.unitCost
	}
	err := tx.QueryRow(ctx, `SELECT on_hand::text FROM inventory.stock_level WHERE branch_id = $1 AND part_id = $2`,
		m.branchID, m.partID).Scan(&mv.OnHand)
	if err != nil {
		return mv, fmt.Errorf("read stock level: %w", err)
	}
	return mv, nil
}

func adjust(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req AdjustmentRequest
	if err := bindMovement(ctx, call, &req, &req.BranchID, &req.PartID); err != nil {
		return oltp.Result{}, err
	}
	m := movement{branchID: req.BranchID, partID: req.PartID, kind: "adjustment", qty: string(req.Quantity), reference: req.Reason}
	sign, signText := 1, ""
	if req.Quantity.Sign() < 0 {
		sign, signText, m.qty = -1, "-", m.qty[1:]
		cost, err := takeOut(ctx, call.Tx, call.P, m.branchID, m.partID, m.qty)
		if err != nil {
			return oltp.Result{}, err
		}
		m.unitCost = cost
	} else if err := putIn(ctx, call.Tx, call.P, m.branchID, m.partID, m.qty, nil); err != nil {
		return oltp.Result{}, err
	}
	id, err := writeLedger(ctx, call.Tx, call.P, m, sign)
	if err != nil {
		return oltp.Result{}, err
	}
	mv, err := movementResult(ctx, call.Tx, call.P, id, m, signText)
	return oltp.Result{Status: http.StatusCreated, Body: mv}, err
}

func issue(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req IssueRequest
	if err := bindMovement(ctx, call, &req, &req.BranchID, &req.PartID); err != nil {
		return oltp.Result{}, err
	}
	id, cost, err := IssueStock(ctx, call.Tx, call.P, req.BranchID, req.PartID, string(req.Quantity),
		IssueRef{PartLineID: req.PartLineID, Reference: req.Reference})
	if err != nil {
		return oltp.Result{}, err
	}
	m := movement{branchID: req.BranchID, partID: req.PartID, kind: "issue", qty: string(req.Quantity)}
	if cost != "" {
		m.unitCost = &cost
	}
	mv, err := movementResult(ctx, call.Tx, call.P, id, m, "-")
	return oltp.Result{Status: http.StatusCreated, Body: mv}, err
}
