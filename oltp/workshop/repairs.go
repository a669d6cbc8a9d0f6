package workshop

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// RepairOrderDetail is a repair order with its jobs and lines. Cost fields
// are present only for roles that may see costs (finance, manager); the
// database refuses them to anyone else.
type RepairOrderDetail struct {
	RepairOrder
	Jobs []Job `json:"jobs"`
}

// Job is the API view of workshop.repair_job.
type Job struct {
	ID                   int64         `json:"id"`
	JobCategory          string        `json:"job_category"`
	Concern              string        `json:"concern"`
	Cause                *string       `json:"cause"`
	Correction           *string       `json:"correction"`
	Status               string        `json:"status"`
	PayType              string        `json:"pay_type"`
	AssignedTechnicianID *int64        `json:"assigned_technician_id"`
	Version              int32         `json:"version"`
	LabourLines          []LabourLine  `json:"labour_lines"`
	PartLines            []PartLineOut `json:"part_lines"`
}

// LabourLine is the API view of workshop.labour_line.
type LabourLine struct {
	ID           int64   `json:"id"`
	TechnicianID *int64  `json:"technician_id"`
	Description  *string `json:"description"`
	SoldHours    string  `json:"sold_hours"`
	LabourRate   string  `json:"labour_rate"`
	SaleAmount   string  `json:"sale_amount"`
	CostAmount   *string `json:"cost_amount,omitempty"`
}

// PartLineOut is the API view of workshop.part_line.
type PartLineOut struct {
	ID         int64   `json:"id"`
	PartID     int64   `json:"part_id"`
	Quantity   string  `json:"quantity"`
	UnitPrice  string  `json:"unit_price"`
	SaleAmount string  `json:"sale_amount"`
	UnitCost   *string `json:"unit_cost,omitempty"`
}

var (
	advisors      = []string{"receptionist", "manager"}
	workshopStaff = []string{"receptionist", "manager", "technician", "finance"}
	costRoles     = []string{"finance", "manager"}
)

// roTransitions is the repair-order state machine; invoiced is set by
// invoicing, not by this endpoint.
var roTransitions = map[string][]string{
	"estimate":       {"authorised", "cancelled"},
	"authorised":     {"in_progress", "cancelled"},
	"in_progress":    {"awaiting_parts", "ready"},
	"awaiting_parts": {"in_progress", "cancelled"},
	"ready":          {"in_progress"},
	"invoiced":       {"closed"},
}

func registerRepairs(api *oltp.API) {
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/repair-orders", Summary: "List repair orders",
		Roles: workshopStaff, Response: oltp.Collection[RepairOrder]{}, Query: repairOrderList.Params()}, listRepairOrders)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/repair-orders/:id", Summary: "Read a repair order with jobs and lines",
		Roles: workshopStaff, Response: RepairOrderDetail{}, Versioned: true}, getRepairOrder)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/repair-orders/:id/status", Summary: "Move a repair order to another status",
		Roles: advisors, Request: StatusRequest{}, Response: RepairOrderDetail{}, Versioned: true}, setRepairOrderStatus)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/repair-orders/:id/jobs", Summary: "Recommend a job on a repair order",
		Roles: append(advisors, "technician"), Request: JobRequest{}, Response: Job{}, Status: http.StatusCreated, Versioned: true, NoIfMatch: true}, addJob)
	registerJobs(api)
	registerParts(api)
}

// StatusRequest asks for a status change.
type StatusRequest struct {
	Status string `json:"status"`
}

const selectRepairOrder = `SELECT id, branch_id, customer_id, vehicle_id, booking_id, status::text, opened_at, version FROM workshop.repair_order`

func scanRepairOrder(row pgx.Row) (RepairOrder, error) {
	var ro RepairOrder
	err := row.Scan(&ro.ID, &ro.BranchID, &ro.CustomerID, &ro.VehicleID, &ro.BookingID, &ro.Status, &ro.OpenedAt, &ro.Version)
	ro.OpenedAt = ro.OpenedAt.UTC()
	return ro, err
}

func loadRepairOrder(ctx context.Context, tx pgx.Tx, id int64, lock bool) (RepairOrder, error) {
	q := selectRepairOrder + ` WHERE id = $1`
	if lock {
		q += " FOR UPDATE"
	}
	ro, err := scanRepairOrder(tx.QueryRow(ctx, q, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return ro, oltp.NotFound("repair order " + strconv.FormatInt(id, 10) + " does not exist")
	}
	return ro, err
}

var roStatuses = []string{"estimate", "authorised", "in_progress", "awaiting_parts", "ready", "invoiced", "closed", "cancelled"}

// listRepairOrders pages through the repair orders the caller may see
// (row-level security limits them to the caller's branches), filtered by
// branch, customer, vehicle and status.
// repairOrderList is the repair orders collection and its filters.
var repairOrderList = oltp.ListSpec{What: "repair orders", Base: selectRepairOrder,
	IDs: []string{"branch_id", "customer_id", "vehicle_id"}, Enum: "status", EnumType: "workshop.repair_order_status", EnumValues: roStatuses}

func listRepairOrders(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	col, err := oltp.ListRows(ctx, call, repairOrderList, scanRepairOrder, func(ro RepairOrder) int64 { return ro.ID })
	return oltp.Result{Body: col}, err
}

func getRepairOrder(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	d, err := loadDetail(ctx, call, id)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: d, ETag: oltp.ETag(d.ID, d.Version)}, nil
}

func loadDetail(ctx context.Context, call *oltp.Call, id int64) (RepairOrderDetail, error) {
	ro, err := loadRepairOrder(ctx, call.Tx, id, false)
	if err != nil {
		return RepairOrderDetail{}, err
	}
	d := RepairOrderDetail{RepairOrder: ro, Jobs: []Job{}}
	rows, err := call.Tx.Query(ctx, `SELECT id, job_category, concern, cause, correction, status::text, pay_type::text,
		assigned_technician_id, version FROM workshop.repair_job WHERE repair_order_id = $1 ORDER BY id`, id)
	if err != nil {
		return d, err
	}
	d.Jobs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Job, error) {
		var j Job
		err := r.Scan(&j.ID, &j.JobCategory, &j.Concern, &j.Cause, &j.Correction, &j.Status, &j.PayType, &j.AssignedTechnicianID, &j.Version)
		return j, err
	})
	if err != nil {
		return d, err
	}
	withCost := slices.Contains(costRoles, call.P.Role)
	for i := range d.Jobs {
		if d.Jobs[i].LabourLines, err = labourLines(ctx, call.Tx, d.Jobs[i].ID, withCost); err != nil {
			return d, err
		}
		if d.Jobs[i].PartLines, err = partLines(ctx, call.Tx, d.Jobs[i].ID, withCost); err != nil {
			return d, err
		}
	}
	return d, nil
}

// labourLines names its columns: roles without cost access may not even
// select the cost columns (the database would refuse).
func labourLines(ctx context.Context, tx pgx.Tx, jobID int64, withCost bool) ([]LabourLine, error) {
	cost := "NULL::text"
	if withCost {
		cost = "cost_amount::text"
	}
	rows, err := tx.Query(ctx, `SELECT id, technician_id, description, sold_hours::text, labour_rate::text, sale_amount::text, `+cost+`
		FROM workshop.labour_line WHERE repair_job_id = $1 ORDER BY id`, jobID)
	if err != nil {
		return nil, err
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LabourLine, error) {
		var l LabourLine
		return l, r.Scan(&l.ID, &l.TechnicianID, &l.Description, &l.SoldHours, &l.LabourRate, &l.SaleAmount, &l.CostAmount)
	})
	if lines == nil {
		lines = []LabourLine{}
	}
	return lines, err
}

func partLines(ctx context.Context, tx pgx.Tx, jobID int64, withCost bool) ([]PartLineOut, error) {
	cost := "NULL::text"
	if withCost {
		cost = "unit_cost::text"
	}
	rows, err := tx.Query(ctx, `SELECT id, part_id, quantity::text, unit_price::text, sale_amount::text, `+cost+`
		FROM workshop.part_line WHERE repair_job_id = $1 ORDER BY id`, jobID)
	if err != nil {
		return nil, err
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PartLineOut, error) {
		var l PartLineOut
		return l, r.Scan(&l.ID, &l.PartID, &l.Quantity, &l.UnitPrice, &l.SaleAmount, &l.UnitCost)
	})
	if lines == nil {
		lines = []PartLineOut{}
	}
	return lines, err
}

func setRepairOrderStatus(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req StatusRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	id, want, err := call.IDIfMatch()
	if err != nil {
		return oltp.Result{}, err
	}
	ro, err := loadRepairOrder(ctx, call.Tx, id, true)
	if err != nil {
		return oltp.Result{}, err
	}
	if ro.Version != want {
		return oltp.Result{}, oltp.PreconditionFailed()
	}
	if !slices.Contains(roTransitions[ro.Status], req.Status) {
		return oltp.Result{}, oltp.Conflict("illegal-transition", fmt.Sprintf("a repair order cannot go from %s to %q", ro.Status, req.Status))
	}
	_, err = call.Tx.Exec(ctx, `UPDATE workshop.repair_order SET status = $2::workshop.repair_order_status,
		closed_at = CASE WHEN $2 IN ('closed', 'cancelled') THEN now() END WHERE id = $1`, id, req.Status)
	if err != nil {
		return oltp.Result{}, err
	}
	d, err := loadDetail(ctx, call, id)
	return oltp.Result{Body: d, ETag: oltp.ETag(d.ID, d.Version)}, err
}

// JobRequest recommends a job.
type JobRequest struct {
	LabourOperationCode  string `json:"labour_operation_code,omitempty"`
	JobCategory          string `json:"job_category,omitempty"`
	Concern              string `json:"concern"`
	PayType              string `json:"pay_type,omitempty" doc:"customer (default), warranty, internal"`
	AssignedTechnicianID *int64 `json:"assigned_technician_id,omitempty"`
}

func (r *JobRequest) validate() error {
	var errs []error
	if r.Concern == "" || len(r.Concern) > 2000 {
		errs = append(errs, errors.New("concern is required (at most 2000 characters)"))
	}
	if r.PayType == "" {
		r.PayType = "customer"
	} else if !slices.Contains([]string{"customer", "warranty", "internal"}, r.PayType) {
		errs = append(errs, errors.New("pay_type must be customer, warranty or internal"))
	}
	if r.LabourOperationCode == "" && r.JobCategory == "" {
		errs = append(errs, errors.New("labour_operation_code or job_category is required"))
	}
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

func addJob(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req JobRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if err := req.validate(); err != nil {
		return oltp.Result{}, err
	}
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	ro, err := loadRepairOrder(ctx, call.Tx, id, false)
	if err != nil {
		return oltp.Result{}, err
	}
	if slices.Contains([]string{"invoiced", "closed", "cancelled"}, ro.Status) {
		return oltp.Result{}, oltp.Conflict("illegal-transition", "jobs cannot be added to a "+ro.Status+" repair order")
	}
	var j Job
	err = call.Tx.QueryRow(ctx, `INSERT INTO workshop.repair_job (organisation_id, branch_id, repair_order_id, labour_operation_id,
		job_category, concern, status, pay_type, assigned_technician_id)
		SELECT $1, $2, $3, lo.id, coalesce(NULLIF($5, ''), lo.job_category), $6, 'recommended', $7::workshop.pay_type, $8
		FROM (SELECT NULL::bigint AS id, NULL::text AS job_category) z
		LEFT JOIN workshop.labour_operation lo ON lo.code = $4 AND lo.active
		WHERE $4 = '' OR lo.id IS NOT NULL
		RETURNING id, job_category, concern, status::text, pay_type::text, assigned_technician_id, version`,
		call.P.OrganisationID, ro.BranchID, ro.ID, req.LabourOperationCode, req.JobCategory, req.Concern, req.PayType, req.AssignedTechnicianID,
	).Scan(&j.ID, &j.JobCategory, &j.Concern, &j.Status, &j.PayType, &j.AssignedTechnicianID, &j.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return oltp.Result{}, oltp.Unprocessable("unknown labour_operation_code " + strconv.Quote(req.LabourOperationCode))
	} else if err != nil {
		return oltp.Result{}, err
	}
	j.LabourLines, j.PartLines = []LabourLine{}, []PartLineOut{}
	return oltp.Result{Status: http.StatusCreated, Body: j, ETag: oltp.ETag(j.ID, j.Version)}, nil
}
