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

func registerJobs(api *oltp.API) {
	for _, action := range []string{"approve", "decline"} {
		api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/repair-jobs/:id/" + action, Summary: "Record the customer's decision: " + action,
			Roles: advisors, Request: DecisionRequest{}, Response: Job{}, Versioned: true}, decideJob(action))
	}
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/repair-jobs/:id/clock-on", Summary: "Clock the calling technician on a job",
		Roles: []string{"technician"}, Request: ClockRequest{}, Response: ClockEntry{}, Status: http.StatusCreated}, clockOn)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/repair-jobs/:id/clock-off", Summary: "Clock the calling technician off a job",
		Roles: []string{"technician"}, Request: ClockRequest{}, Response: ClockEntry{}}, clockOff)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/repair-jobs/:id/complete", Summary: "Mark a job done",
		Roles: []string{"technician", "manager"}, Request: CompleteRequest{}, Response: Job{}}, completeJob)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/repair-jobs/:id/labour-lines", Summary: "Add a labour line to a job",
		Roles: advisors, Request: LabourLineRequest{}, Response: LabourLine{}, Status: http.StatusCreated}, addLabourLine)
}

// DecisionRequest carries the customer's approval or refusal.
type DecisionRequest struct {
	Note string `json:"note,omitempty"`
}

type jobRow struct {
	id, orderID, branchID int64
	status                string
	technician            *int64
	version               int32
}

func lockJob(ctx context.Context, tx pgx.Tx, id int64) (jobRow, error) {
	var j jobRow
	err := tx.QueryRow(ctx, `SELECT id, repair_order_id, branch_id, status::text, assigned_technician_id, version
		FROM workshop.repair_job WHERE id = $1 FOR UPDATE`, id).Scan(&j.id, &j.orderID, &j.branchID, &j.status, &j.technician, &j.version)
	if errors.Is(err, pgx.ErrNoRows) {
		return j, oltp.NotFound("repair job " + strconv.FormatInt(id, 10) + " does not exist")
	}
	return j, err
}

func loadJob(ctx context.Context, tx pgx.Tx, id int64) (oltp.Result, error) {
	var j Job
	err := tx.QueryRow(ctx, `SELECT id, job_category, concern, cause, correction, status::text, pay_type::text,
		assigned_technician_id, version FROM workshop.repair_job WHERE id = $1`, id).Scan(
		&j.ID, &j.JobCategory, &j.Concern, &j.Cause, &j.Correction, &j.Status, &j.PayType, &j.AssignedTechnicianID, &j.Version)
	if err != nil {
		return oltp.Result{}, err
	}
	j.LabourLines, j.PartLines = []LabourLine{}, []PartLineOut{}
	return oltp.Result{Body: j, ETag: oltp.ETag(j.ID, j.Version)}, nil
}

func decideJob(action string) oltp.HandlerFunc {
	status := map[string]string{"approve": "approved", "decline": "declined"}[action]
	return func(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
		var req DecisionRequest
		if err := call.Bind(&req); err != nil {
			return oltp.Result{}, err
		}
		id, want, err := call.IDIfMatch()
		if err != nil {
			return oltp.Result{}, err
		}
		j, err := lockJob(ctx, call.Tx, id)
		if err != nil {
			return oltp.Result{}, err
		}
		if j.version != want {
			return oltp.Result{}, oltp.PreconditionFailed()
		}
		if j.status != "recommended" {
			return oltp.Result{}, oltp.Conflict("illegal-transition", fmt.Sprintf("a %s job cannot be %s", j.status, status))
		}
		if _, err := call.Tx.Exec(ctx, `UPDATE workshop.repair_job SET status = $2::workshop.repair_job_status,
			approved_at = CASE WHEN $2 = 'approved' THEN now() END WHERE id = $1`, id, status); err != nil {
			return oltp.Result{}, err
		}
		return loadJob(ctx, call.Tx, id)
	}
}

// ClockRequest is the (empty) body of clock-on and clock-off.
type ClockRequest struct{}

// ClockEntry is a job clock record.
type ClockEntry struct {
	ID          int64  `json:"id"`
	RepairJobID int64  `json:"repair_job_id"`
	StaffID     int64  `json:"staff_id"`
	Period      string `json:"period"`
}

// clockOn opens a job clock entry for the calling technician: the job must
// be approved or in progress and assigned to them, and they may be on one
// job at a time (serialised per technician with an advisory lock).
func clockOn(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	if err := call.Bind(&ClockRequest{}); err != nil {
		return oltp.Result{}, err
	}
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	j, err := lockJob(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	if j.technician == nil || *j.technician != call.P.StaffID {
		return oltp.Result{}, oltp.Forbidden("the job is not assigned to you")
	}
	if !slices.Contains([]string{"approved", "in_progress"}, j.status) {
		return oltp.Result{}, oltp.Conflict("illegal-transition", "cannot clock on a "+j.status+" job")
	}
	if _, err := call.Tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('clock'), $1::int)`, call.P.StaffID); err != nil {
		return oltp.Result{}, err
	}
	var open bool
	if err := call.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core.time_clock_entry WHERE staff_id = $1 AND kind = 'job' AND upper_inf(period))`,
		call.P.StaffID).Scan(&open); err != nil {
		return oltp.Result{}, err
	}
	if open {
		return oltp.Result{}, oltp.Conflict("already-clocked-on", "you are clocked on another job; clock off first")
	}
	var e ClockEntry
	err = call.Tx.QueryRow(ctx, `INSERT INTO core.time_clock_entry (organisation_id, branch_id, staff_id, kind, period, repair_job_id)
		VALUES ($1, $2, $3, 'job', tstzrange(now(), NULL, '[)'), $4) RETURNING id, repair_job_id, staff_id, period::text`,
		call.P.OrganisationID, j.branchID, call.P.StaffID, id).Scan(&e.ID, &e.RepairJobID, &e.StaffID, &e.Period)
	if err != nil {
		return oltp.Result{}, err
	}
	if _, err := call.Tx.Exec(ctx, `UPDATE workshop.repair_job SET status = 'in_progress' WHERE id = $1 AND status = 'approved'`, id); err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Status: http.StatusCreated, Body: e}, nil
}

func clockOff(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	if err := call.Bind(&ClockRequest{}); err != nil {
		return oltp.Result{}, err
	}
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	var e ClockEntry
	err = call.Tx.QueryRow(ctx, `UPDATE core.time_clock_entry SET period = tstzrange(lower(period), greatest(now(), lower(period) + interval '1 second'), '[)')
		WHERE staff_id = $1 AND repair_job_id = $2 AND kind = 'job' AND upper_inf(period)
		RETURNING id, repair_job_id, staff_id, period::text`, call.P.StaffID, id).Scan(&e.ID, &e.RepairJobID, &e.StaffID, &e.Period)
	if errors.Is(err, pgx.ErrNoRows) {
		// A job the caller cannot see is a 404, as everywhere: the
		// conflict would tell them it exists.
		if _, err := lockJob(ctx, call.Tx, id); err != nil {
			return oltp.Result{}, err
		}
		return oltp.Result{}, oltp.Conflict("not-clocked-on", "you are not clocked on this job")
	}
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: e}, nil
}

// CompleteRequest records the correction when a job is done.
type CompleteRequest struct {
	Cause      string `json:"cause,omitempty"`
	Correction string `json:"correction"`
}

func completeJob(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req CompleteRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if req.Correction == "" || len(req.Correction) > 2000 || len(req.Cause) > 2000 {
		return oltp.Result{}, oltp.Unprocessable("correction is required; cause and correction are limited to 2000 characters")
	}
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	j, err := lockJob(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	if j.status != "in_progress" {
		return oltp.Result{}, oltp.Conflict("illegal-transition", "only a job in progress can be completed, not a "+j.status+" one")
	}
	if _, err := call.Tx.Exec(ctx, `UPDATE workshop.repair_job SET status = 'done', completed_at = now(), cause = NULLIF($2, ''),
		correction = $3 WHERE id = $1`, id, req.Cause, req.Correction); err != nil {
		return oltp.Result{}, err
	}
	return loadJob(ctx, call.Tx, id)
}

// LabourLineRequest sells labour on a job. labour_rate defaults to the
// labour operation's rate. Costs are filled in by the database.
type LabourLineRequest struct {
	TechnicianID *int64  `json:"technician_id,omitempty"`
	Description  string  `json:"description,omitempty"`
	SoldHours    float64 `json:"sold_hours"`
	LabourRate   float64 `json:"labour_rate,omitempty"`
}

func addLabourLine(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req LabourLineRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if req.SoldHours <= 0 || req.SoldHours > 100 || req.LabourRate < 0 || req.LabourRate > 10000 || len(req.Description) > 500 {
		return oltp.Result{}, oltp.Unprocessable("sold_hours must be in (0, 100], labour_rate in [0, 10000], description ≤ 500 characters")
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
		return oltp.Result{}, oltp.Conflict("illegal-transition", "labour can be sold only on approved jobs, not a "+j.status+" one")
	}
	tech := req.TechnicianID
	if tech == nil {
		tech = j.technician
	}
	var l LabourLine
	err = call.Tx.QueryRow(ctx, `INSERT INTO workshop.labour_line (organisation_id, branch_id, repair_job_id, labour_operation_id,
		technician_id, description, sold_hours, labour_rate, sale_amount)
		SELECT $1, rj.branch_id, rj.id, rj.labour_operation_id, $3, NULLIF($4, ''), $5::numeric,
		  coalesce(NULLIF($6::numeric, 0), lo.default_labour_rate, 0), 0
		FROM workshop.repair_job rj LEFT JOIN workshop.labour_operation lo ON lo.id = rj.labour_operation_id WHERE rj.id = $2
		RETURNING id, technician_id, description, sold_hours::text, labour_rate::text, sale_amount::text`,
		call.P.OrganisationID, id, tech, req.Description, req.SoldHours, req.LabourRate,
	).Scan(&l.ID, &l.TechnicianID, &l.Description, &l.SoldHours, &l.LabourRate, &l.SaleAmount)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Status: http.StatusCreated, Body: l}, nil
}
