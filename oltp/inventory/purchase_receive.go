package inventory

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// receivePO books arrived quantities: each line's quantity_received grows
// (never beyond what was ordered), each arrival is a stock receipt at the
// line's unit cost, and the order becomes partially_received or received.
func receivePO(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req ReceiveRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	po, err := lockPOForChange(ctx, call, "sent", "partially_received")
	if err != nil {
		return oltp.Result{}, err
	}
	for _, l := range req.Lines {
		if err := receiveLine(ctx, call, po, l, req.Reference); err != nil {
			return oltp.Result{}, err
		}
	}
	var open bool
	err = call.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inventory.purchase_order_line
		WHERE purchase_order_id = $1 AND quantity_received < quantity_ordered)`, po.ID).Scan(&open)
	if err != nil {
		return oltp.Result{}, fmt.Errorf("check open lines: %w", err)
	}
	status := "received"
	if open {
		status = "partially_received"
	}
	return setPOStatus(ctx, call, po.ID, status)
}

func receiveLine(ctx context.Context, call *oltp.Call, po PurchaseOrder, l ReceiveLine, reference string) error {
	var partID int64
	var cost string
	err := call.Tx.QueryRow(ctx, `UPDATE inventory.purchase_order_line SET quantity_received = quantity_received + $3::numeric
		WHERE id = $1 AND purchase_order_id = $2 AND quantity_received + $3::numeric <= quantity_ordered
		RETURNING part_id, unit_cost::text`, l.LineID, po.ID, string(l.Quantity)).Scan(&partID, &cost)
	if errors.Is(err, pgx.ErrNoRows) {
		return oltp.Unprocessable(fmt.Sprintf("line %d is not a line of purchase order %d or would be received beyond the quantity ordered",
			l.LineID, po.ID))
	} else if err != nil {
		return fmt.Errorf("receive purchase order line: %w", err)
	}
	lineID := l.LineID
	if reference == "" {
		reference = "PO " + derefOr(po.PONumber, "")
	}
	m := movement{branchID: po.BranchID, partID: partID, kind: "receipt", qty: string(l.Quantity), unitCost: &cost,
		poLineID: &lineID, reference: reference}
	_, err = receiveStock(ctx, call.Tx, call.P, m)
	return err
}

func derefOr(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}
