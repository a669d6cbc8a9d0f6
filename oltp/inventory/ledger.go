package inventory

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// IssueRef says what an issue is for; both fields are optional.
type IssueRef struct {
	PartLineID int64  // workshop.part_line the stock goes on; 0 = none
	Reference  string // free text kept on the ledger row (≤ 200 characters)
}

// IssueStock takes qty units of part partID out of branch branchID's stock
// inside tx (the caller's request transaction, already running as p's
// database role) and appends the issue to the ledger. qty is a positive
// decimal string with at most 3 decimals ("1", "0.5").
//
// It returns the ledger row's id and, for roles that may read costs
// (finance, manager), the unit cost the stock left at (the branch's moving
// average cost, as a decimal string); for other roles unitCost is "" and
// the ledger row's unit_cost stays NULL. Insufficient stock (including no
// stock level row) is an *oltp.Error with status 409 and kind
// "insufficient-stock"; the caller must then roll back. Falling to or below
// the reorder point queues one inventory alert in tx.
//
// The caller's database role needs UPDATE (on_hand) on
// inventory.stock_level, INSERT on inventory.inventory_transaction (all
// columns but unit_cost) with SELECT (id), SELECT on core.staff_role and
// INSERT on core.notification; today only cch_manager holds all of them,
// otherwise the error is a 42501 (403).
//
// IssueStock is safe for concurrent use from many transactions: the
// decrement is a single conditional UPDATE, so concurrent issuers queue on
// the row lock and never take stock below zero.
func IssueStock(ctx context.Context, tx pgx.Tx, p oltp.Principal, branchID, partID int64, qty string, ref IssueRef) (txID int64, unitCost string, err error) {
	if err := oltp.CheckQuantity("quantity", Decimal(qty), false); err != nil {
		return 0, "", oltp.Unprocessable(err.Error())
	}
	if len(ref.Reference) > 200 {
		return 0, "", oltp.Unprocessable("reference is limited to 200 characters")
	}
	m := movement{branchID: branchID, partID: partID, kind: "issue", qty: qty, reference: ref.Reference}
	if ref.PartLineID > 0 {
		m.partLineID = &ref.PartLineID
	}
	cost, err := takeOut(ctx, tx, p, branchID, partID, qty)
	if err != nil {
		return 0, "", err
	}
	m.unitCost = cost
	txID, err = writeLedger(ctx, tx, p, m, -1)
	if err != nil {
		return 0, "", err
	}
	if cost != nil {
		unitCost = *cost
	}
	return txID, unitCost, nil
}

// movement is one ledger row to append; qty is unsigned, the direction is
// given to writeLedger.
type movement struct {
	branchID, partID int64
	kind             string // receipt, issue, return, adjustment, transfer
	qty              string
	unitCost         *string
	partLineID       *int64
	poLineID         *int64
	transferBranchID *int64
	reference        string
}

// takeOut decrements stock with the conditional UPDATE, queues the reorder
// alert on a crossing and returns the average cost (nil for roles that may
// not read costs).
func takeOut(ctx context.Context, tx pgx.Tx, p oltp.Principal, branchID, partID int64, qty string) (*string, error) {
	var crossed bool
	err := tx.QueryRow(ctx, `UPDATE inventory.stock_level SET on_hand = on_hand - $3::numeric
		WHERE branch_id = $1 AND part_id = $2 AND on_hand >= $3::numeric
		RETURNING on_hand + $3::numeric - reserved > reorder_point AND on_hand - reserved <= reorder_point`,
		branchID, partID, qty).Scan(&crossed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, insufficient(ctx, tx, branchID, partID, qty)
	} else if err != nil {
		return nil, fmt.Errorf("take stock out: %w", err)
	}
	if crossed {
		if err := queueAlert(ctx, tx, p, branchID, partID); err != nil {
			return nil, err
		}
	}
	if !CanSeeCosts(p) {
		return nil, nil
	}
	var cost string
	if err := tx.QueryRow(ctx, `SELECT average_cost::text FROM inventory.stock_level WHERE branch_id = $1 AND part_id = $2`,
		branchID, partID).Scan(&cost); err != nil {
		return nil, fmt.Errorf("read average cost: %w", err)
	}
	return &cost, nil
}

// insufficient builds the 409 for a decrement that matched no row.
func insufficient(ctx context.Context, tx pgx.Tx, branchID, partID int64, qty string) error {
	var onHand string
	err := tx.QueryRow(ctx, `SELECT on_hand::text FROM inventory.stock_level WHERE branch_id = $1 AND part_id = $2`,
		branchID, partID).Scan(&onHand)
	if errors.Is(err, pgx.ErrNoRows) {
		onHand = "0"
	} else if err != nil {
		return fmt.Errorf("read stock level: %w", err)
	}
	return oltp.Conflict("insufficient-stock",
		fmt.Sprintf("part %d at branch %d: %s on hand, %s requested", partID, branchID, onHand, qty))
}

// putIn adds qty to stock, creating the level row if needed. With a unit
// cost the moving average cost is re-weighted; without one it is kept.
func putIn(ctx context.Context, tx pgx.Tx, p oltp.Principal, branchID, partID int64, qty string, unitCost *string) error {
	var err error
	if unitCost == nil {
		_, err = tx.Exec(ctx, `INSERT INTO inventory.stock_level (organisation_id, branch_id, part_id, on_hand)
			VALUES ($1, $2, $3, $4::numeric)
			ON CONFLICT (branch_id, part_id) DO UPDATE SET on_hand = stock_level.on_hand + EXCLUDED.on_hand`,
			p.OrganisationID, branchID, partID, qty)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO inventory.stock_level (organisation_id, branch_id, part_id, on_hand, average_cost)
			VALUES ($1, $2, $3, $4::numeric, $5::numeric)
			ON CONFLICT (branch_id, part_id) DO UPDATE SET
			  average_cost = round((stock_level.on_hand * stock_level.average_cost + EXCLUDED.on_hand * EXCLUDED.average_cost)
			                       / (stock_level.on_hand + EXCLUDED.on_hand), 2),
			  on_hand = stock_level.on_hand + EXCLUDED.on_hand`,
			p.OrganisationID, branchID, partID, qty, *unitCost)
	}
	if err != nil {
		return fmt.Errorf("put stock in: %w", err)
	}
	return nil
}

// writeLedger appends m with quantity sign × m.qty and returns its id. The
// unit_cost column is named only when there is a cost to write, so roles
// without cost grants can still append.
func writeLedger(ctx context.Context, tx pgx.Tx, p oltp.Principal, m movement, sign int) (int64, error) {
	const cols = `organisation_id, branch_id, part_id, kind, quantity, part_line_id, purchase_order_line_id,
		transfer_branch_id, reference, staff_id`
	const vals = `$1, $2, $3, $4::inventory.inventory_transaction_kind, $5::numeric * $6, $7, $8, $9, NULLIF($10, ''), $11`
	args := []any{p.OrganisationID, m.branchID, m.partID, m.kind, m.qty, sign, m.partLineID, m.poLineID,
		m.transferBranchID, m.reference, p.StaffID}
	q := `INSERT INTO inventory.inventory_transaction (` + cols + `) VALUES (` + vals + `) RETURNING id`
	if m.unitCost != nil {
		q = `INSERT INTO inventory.inventory_transaction (` + cols + `, unit_cost) VALUES (` + vals + `, $12::numeric) RETURNING id`
		args = append(args, *m.unitCost)
	}
	var id int64
	if err := tx.QueryRow(ctx, q, args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("append inventory transaction: %w", err)
	}
	return id, nil
}

// queueAlert queues the inventory alert for a part that just fell to or
// below its reorder point, addressed to a manager of the branch (or the
// caller when the branch has none).
func queueAlert(ctx context.Context, tx pgx.Tx, p oltp.Principal, branchID, partID int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO core.notification (organisation_id, branch_id, kind, channel, recipient_staff_id, subject, payload)
		SELECT $1, sl.branch_id, 'inventory_alert', 'email',
		  coalesce((SELECT sr.staff_id FROM core.staff_role sr WHERE sr.role = 'manager' AND (sr.branch_id = sl.branch_id OR sr.branch_id IS NULL)
		            ORDER BY sr.branch_id NULLS LAST, sr.staff_id LIMIT 1), $4),
		  'Stock at or below reorder point: ' || pt.part_number || ' ' || pt.name,
		  jsonb_build_object('part_id', pt.id, 'part_number', pt.part_number, 'branch_id', sl.branch_id,
		    'on_hand', sl.on_hand, 'reserved', sl.reserved, 'reorder_point', sl.reorder_point, 'reorder_qty', sl.reorder_qty)
		FROM inventory.stock_level sl JOIN inventory.part pt ON pt.id = sl.part_id
		WHERE sl.branch_id = $2 AND sl.part_id = $3`, p.OrganisationID, branchID, partID, p.StaffID)
	if err != nil {
		return fmt.Errorf("queue inventory alert: %w", err)
	}
	return nil
}
