package chauffeur

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/carcarehub/cch/oltp"
)

// SettlementSummary is a settlement without its lines: a settlement in a
// list (finance and managers only).
type SettlementSummary struct {
	ID                int64       `json:"id"`
	BranchID          int64       `json:"branch_id"`
	ChauffeurID       int64       `json:"chauffeur_id"`
	PeriodStart       time.Time   `json:"period_start"`
	PeriodEnd         time.Time   `json:"period_end"`
	Status            string      `json:"status"`
	TotalAmount       json.Number `json:"total_amount" doc:"decimal"`
	ApprovedAt        *time.Time  `json:"approved_at"`
	ApprovedByStaffID *int64      `json:"approved_by_staff_id"`
	PaidAt            *time.Time  `json:"paid_at"`
	PaymentReference  *string     `json:"payment_reference"`
	ReconciledAt      *time.Time  `json:"reconciled_at"`
	Version           int32       `json:"version"`
	CreatedAt         time.Time   `json:"created_at"`
}

// Settlement is the API view of chauffeur.settlement with its lines
// (finance and managers only).
type Settlement struct {
	SettlementSummary
	Lines []SettlementLine `json:"lines"`
}

// SettlementLine is what a settlement pays for one component of one ride.
type SettlementLine struct {
	ID           int64       `json:"id"`
	RideID       int64       `json:"ride_id"`
	Component    string      `json:"component"`
	Amount       json.Number `json:"amount" doc:"decimal"`
	RideChargeID *int64      `json:"ride_charge_id" doc:"the charge paid, when the component has exactly one"`
}

// SettlementRequest is the body of POST /v1/settlements: settle a
// chauffeur's completed rides picked up in [period_start, period_end).
type SettlementRequest struct {
	ChauffeurID int64     `json:"chauffeur_id"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
}

// Validate reports every problem at once.
func (r *SettlementRequest) Validate() error {
	var errs []error
	if r.ChauffeurID <= 0 {
		errs = append(errs, errors.New("chauffeur_id must be a positive integer"))
	}
	if r.PeriodStart.IsZero() || r.PeriodEnd.IsZero() || !r.PeriodEnd.After(r.PeriodStart) {
		errs = append(errs, errors.New("period_start and period_end are required (RFC 3339), start before end"))
	} else if r.PeriodEnd.Sub(r.PeriodStart) > 93*24*time.Hour {
		errs = append(errs, errors.New("a settlement period is at most 93 days"))
	}
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

// createSettlementSQL computes the lines from the chauffeur's pay rules
// (the rule effective at pickup, per component) over the charges of their
// completed rides picked up in the period, one line per ride × component,
// and inserts settlement and lines in one statement. The UNIQUE key
// settlement_line (ride_booking_id, component) refuses to pay a ride's
// component twice: a second settlement over the same rides fails as a whole.
const createSettlementSQL = `
WITH rides AS (
  SELECT r.id, r.pickup_at, r.estimated_duration_minutes, r.passenger_on_board_at, r.completed_at
  FROM chauffeur.ride_booking r
  WHERE r.status = 'completed' AND r.pickup_at >= $3 AND r.pickup_at < $4
    AND EXISTS (SELECT 1 FROM chauffeur.dispatch_assignment d
                WHERE d.ride_booking_id = r.id AND d.chauffeur_id = $2 AND d.status = 'completed')
), miles AS (
  SELECT e.ride_booking_id, max(e.odometer_miles) - min(e.odometer_miles) AS miles
  FROM chauffeur.ride_status_event e JOIN rides ON rides.id = e.ride_booking_id
  WHERE e.to_status IN ('passenger_on_board', 'completed') GROUP BY 1
), per_component AS (
  SELECT c.ride_booking_id, c.component, sum(c.amount) AS amount, CASE WHEN count(*) = 1 THEN min(c.id) END AS charge_id
  FROM chauffeur.ride_charge c JOIN rides ON rides.id = c.ride_booking_id GROUP BY 1, 2
), lines AS (
  SELECT pc.ride_booking_id, pc.component, pc.charge_id, round(CASE pr.basis
      WHEN 'fixed' THEN pr.rate
      WHEN 'percentage' THEN pc.amount * pr.rate / 100
      WHEN 'per_hour' THEN pr.rate * extract(epoch FROM coalesce(r.completed_at - r.passenger_on_board_at,
                                                                 make_interval(mins => r.estimated_duration_minutes))) / 3600
      WHEN 'per_mile' THEN pr.rate * coalesce(m.miles, 0)
    END, 2) AS amount
  FROM per_component pc
  JOIN rides r ON r.id = pc.ride_booking_id
  JOIN chauffeur.chauffeur_pay_rule pr ON pr.chauffeur_id = $2 AND pr.component = pc.component AND pr.effective @> r.pickup_at
  LEFT JOIN miles m ON m.ride_booking_id = r.id
), s AS (
  INSERT INTO chauffeur.settlement (organisation_id, branch_id, chauffeur_id, period, total_amount)
  SELECT $1, c.branch_id, c.id, tstzrange($3, $4, '[)'), coalesce((SELECT sum(amount) FROM lines), 0)
  FROM chauffeur.chauffeur c WHERE c.id = $2
  RETURNING id
), l AS (
  INSERT INTO chauffeur.settlement_line (organisation_id, settlement_id, ride_booking_id, component, amount, ride_charge_id)
  SELECT $1, s.id, lines.ride_booking_id, lines.component, lines.amount, lines.charge_id FROM s, lines
  RETURNING id
)
SELECT s.id, (SELECT count(*) FROM l) FROM s`

func createSettlement(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req SettlementRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	var id, lines int64
	err := call.Tx.QueryRow(ctx, createSettlementSQL, call.P.OrganisationID, req.ChauffeurID, req.PeriodStart, req.PeriodEnd).Scan(&id, &lines)
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return oltp.Result{}, oltp.NotFound(fmt.Sprintf("chauffeur %d does not exist", req.ChauffeurID))
	case errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "settlement_line_ride_component_key":
		return oltp.Result{}, &oltp.Error{Kind: "already-settled", Status: http.StatusConflict, Title: "Conflict",
			Detail: "some of these rides are already in another settlement; a ride component is never paid twice", Err: err}
	case err != nil:
		return oltp.Result{}, fmt.Errorf("create settlement: %w", err)
	case lines == 0:
		return oltp.Result{}, oltp.Unprocessable("the chauffeur has no completed, priced rides with pay rules in the period")
	}
	res, err := settlementResult(ctx, call.Tx, id)
	res.Status, res.Location = http.StatusCreated, "/v1/settlements/"+strconv.FormatInt(id, 10)
	return res, err
}

const selectSettlements = `SELECT id, branch_id, chauffeur_id, lower(period), upper(period), status::text, total_amount::text,
	approved_at, approved_by_staff_id, paid_at, payment_reference, reconciled_at, version, created_at FROM chauffeur.settlement`

func scanSettlement(row pgx.Row) (SettlementSummary, error) {
	var s SettlementSummary
	err := row.Scan(&s.ID, &s.BranchID, &s.ChauffeurID, &s.PeriodStart, &s.PeriodEnd, &s.Status,
		&s.TotalAmount, &s.ApprovedAt, &s.ApprovedByStaffID, &s.PaidAt, &s.PaymentReference, &s.ReconciledAt, &s.Version, &s.CreatedAt)
	s.PeriodStart, s.PeriodEnd, s.CreatedAt, s.ApprovedAt = s.PeriodStart.UTC(), s.PeriodEnd.UTC(), s.CreatedAt.UTC(), utcPtr(s.ApprovedAt)
	s.PaidAt, s.ReconciledAt = utcPtr(s.PaidAt), utcPtr(s.ReconciledAt)
	return s, err
}

func loadSettlement(ctx context.Context, tx pgx.Tx, id int64, lock bool) (Settlement, error) {
	q := selectSettlements + ` WHERE id = $1`
	if lock {
		q += " FOR UPDATE"
	}
	var s Settlement
	var err error
	s.SettlementSummary, err = scanSettlement(tx.QueryRow(ctx, q, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, oltp.NotFound("settlement " + strconv.FormatInt(id, 10) + " does not exist")
	} else if err != nil {
		return s, fmt.Errorf("load settlement %d: %w", id, err)
	}
	rows, err := tx.Query(ctx, `SELECT id, ride_booking_id, component::text, amount::text, ride_charge_id
		FROM chauffeur.settlement_line WHERE settlement_id = $1 ORDER BY ride_booking_id, component`, id)
	if err != nil {
		return s, fmt.Errorf("load settlement %d lines: %w", id, err)
	}
	s.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (SettlementLine, error) {
		var l SettlementLine
		return l, r.Scan(&l.ID, &l.RideID, &l.Component, &l.Amount, &l.RideChargeID)
	})
	if err != nil {
		return s, fmt.Errorf("load settlement %d lines: %w", id, err)
	}
	return s, nil
}

func settlementResult(ctx context.Context, tx pgx.Tx, id int64) (oltp.Result, error) {
	s, err := loadSettlement(ctx, tx, id, false)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: s, ETag: oltp.ETag(s.ID, s.Version)}, nil
}

var settlementStatuses = []string{"draft", "approved", "paid", "reconciled"}

// listSettlements pages through settlements (without their lines),
// filtered by branch, chauffeur and status.
// settlementList is the settlements collection and its filters.
var settlementList = oltp.ListSpec{What: "settlements", Base: selectSettlements,
	IDs: []string{"branch_id", "chauffeur_id"}, Enum: "status", EnumType: "chauffeur.settlement_status", EnumValues: settlementStatuses}

func listSettlements(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	col, err := oltp.ListRows(ctx, call, settlementList, scanSettlement, func(s SettlementSummary) int64 { return s.ID })
	return oltp.Result{Body: col}, err
}

func getSettlement(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	return settlementResult(ctx, call.Tx, id)
}

// approveSettlement moves a draft to approved.
func approveSettlement(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	return moveSettlement(ctx, call, "draft", "approved",
		`UPDATE chauffeur.settlement SET status = 'approved', approved_at = now(), approved_by_staff_id = $3 WHERE id = $1 AND version = $2`,
		call.P.StaffID)
}

// PayRequest is the body of POST /v1/settlements/{id}/pay.
type PayRequest struct {
	PaymentReference string `json:"payment_reference" doc:"the transfer's reference, 1–100 characters"`
}

// Validate bounds the reference.
func (r *PayRequest) Validate() error {
	if n := len(strings.TrimSpace(r.PaymentReference)); n == 0 || len(r.PaymentReference) > 100 {
		return oltp.Unprocessable("payment_reference must be 1 to 100 characters")
	}
	return nil
}

// paySettlement records the payment of an approved settlement.
func paySettlement(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req PayRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	return moveSettlement(ctx, call, "approved", "paid",
		`UPDATE chauffeur.settlement SET status = 'paid', paid_at = now(), payment_reference = $3 WHERE id = $1 AND version = $2`,
		strings.TrimSpace(req.PaymentReference))
}

// reconcileSettlement marks a paid settlement reconciled with the bank.
func reconcileSettlement(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	return moveSettlement(ctx, call, "paid", "reconciled",
		`UPDATE chauffeur.settlement SET status = 'reconciled', reconciled_at = now() WHERE id = $1 AND version = $2`)
}

// moveSettlement moves the settlement named in the path from status from
// to status to with update ($1 id, $2 version, then extra). If-Match must
// name the version read; the row lock makes check and write one step.
func moveSettlement(ctx context.Context, call *oltp.Call, from, to, update string, extra ...any) (oltp.Result, error) {
	id, want, err := call.IDIfMatch()
	if err != nil {
		return oltp.Result{}, err
	}
	s, err := loadSettlement(ctx, call.Tx, id, true)
	if err != nil {
		return oltp.Result{}, err
	}
	if s.Version != want {
		return oltp.Result{}, oltp.PreconditionFailed()
	}
	if s.Status != from {
		return oltp.Result{}, oltp.Conflict("illegal-transition", fmt.Sprintf("a %s settlement cannot be %s", s.Status, to))
	}
	if _, err := call.Tx.Exec(ctx, update, append([]any{id, want}, extra...)...); err != nil {
		return oltp.Result{}, fmt.Errorf("settlement %d to %s: %w", id, to, err)
	}
	return settlementResult(ctx, call.Tx, id)
}

// Export is a settlement's lines: as CSV with Accept: text/csv, otherwise
// as JSON with the CSV header (Columns) and records (Rows) as strings.
type Export struct {
	Filename string     `json:"filename"`
	Columns  []string   `json:"columns"`
	Rows     [][]string `json:"rows"`
}

func exportSettlement(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	s, err := loadSettlement(ctx, call.Tx, id, false)
	if err != nil {
		return oltp.Result{}, err
	}
	out := Export{Filename: fmt.Sprintf("settlement-%d.csv", s.ID),
		Columns: []string{"settlement_id", "chauffeur_id", "period_start", "period_end", "status", "ride_id", "component", "amount", "ride_charge_id"},
		Rows:    [][]string{}}
	for _, l := range s.Lines {
		charge := ""
		if l.RideChargeID != nil {
			charge = strconv.FormatInt(*l.RideChargeID, 10)
		}
		out.Rows = append(out.Rows, []string{strconv.FormatInt(s.ID, 10), strconv.FormatInt(s.ChauffeurID, 10),
			s.PeriodStart.Format(time.RFC3339), s.PeriodEnd.Format(time.RFC3339), s.Status,
			strconv.FormatInt(l.RideID, 10), l.Component, l.Amount.String(), charge})
	}
	if strings.Contains(call.Gin.GetHeader("Accept"), "text/csv") {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(out.Columns)
		w.WriteAll(out.Rows)
		return oltp.Result{Raw: buf.Bytes(), ContentType: "text/csv; charset=utf-8"}, w.Error()
	}
	return oltp.Result{Body: out}, nil
}
