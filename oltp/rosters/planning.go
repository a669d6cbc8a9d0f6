package rosters

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// createShift rosters a shift. The branch and the staff member must be
// visible to the caller (404: foreign-key checks bypass row-level
// security, so another organisation's ids must be refused here) and the
// staff member active; overlapping an active shift of the same person is
// a 409 (the exclusion constraint); a dispatcher rostering anyone but a
// chauffeur is a 403 (row-level security).
func createShift(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var in ShiftRequest
	if err := call.Bind(&in); err != nil {
		return oltp.Result{}, err
	}
	if err := visible(ctx, call.Tx, in.BranchID, in.StaffID); err != nil {
		return oltp.Result{}, err
	}
	if err := call.AtBranch(ctx, in.BranchID); err != nil {
		return oltp.Result{}, err
	}
	var id int64
	err := call.Tx.QueryRow(ctx, `INSERT INTO core.staff_shift (organisation_id, branch_id, staff_id, period, break_minutes, productive)
		VALUES ($1, $2, $3, tstzrange($4, $5, '[)'), $6, $7) RETURNING id`,
		call.P.OrganisationID, in.BranchID, in.StaffID, in.StartsAt, in.EndsAt, in.BreakMinutes, *in.Productive).Scan(&id)
	if err != nil {
		return oltp.Result{}, err
	}
	res, err := loadShift(ctx, call.Tx, id)
	res.Status = http.StatusCreated
	return res, err
}

func visible(ctx context.Context, tx pgx.Tx, branch, staff int64) error {
	var branchSeen, staffSeen, staffActive bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core.branch WHERE id = $1),
		EXISTS (SELECT 1 FROM core.staff WHERE id = $2), EXISTS (SELECT 1 FROM core.staff WHERE id = $2 AND active)`,
		branch, staff).Scan(&branchSeen, &staffSeen, &staffActive)
	switch {
	case err != nil:
		return err
	case !branchSeen:
		return oltp.NotFound(fmt.Sprintf("branch %d does not exist", branch))
	case !staffSeen:
		return oltp.NotFound(fmt.Sprintf("staff member %d does not exist", staff))
	case !staffActive:
		return oltp.Unprocessable(fmt.Sprintf("staff member %d has left", staff))
	}
	return nil
}

// changeShift moves, shortens, lengthens or cancels a shift (If-Match).
func changeShift(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, want, err := call.IDIfMatch()
	if err != nil {
		return oltp.Result{}, err
	}
	var in ShiftChange
	if err := call.Bind(&in); err != nil {
		return oltp.Result{}, err
	}
	cur, err := loadShift(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	if err := call.AtBranch(ctx, cur.Body.(Shift).BranchID); err != nil {
		return oltp.Result{}, err
	}
	tag, err := call.Tx.Exec(ctx, `UPDATE core.staff_shift SET period = tstzrange($3, $4, '[)'), break_minutes = $5, productive = $6, active = $7
		WHERE id = $1 AND version = $2`, id, want, in.StartsAt, in.EndsAt, in.BreakMinutes, in.Productive, in.Active)
	if err != nil {
		return oltp.Result{}, err
	}
	if tag.RowsAffected() == 0 {
		return oltp.Result{}, staleOrHidden(ctx, call, id)
	}
	return loadShift(ctx, call.Tx, id)
}

// staleOrHidden explains an UPDATE that touched nothing: the shift is
// visible (so the version was stale: 412) or its update was filtered out
// by row-level security (a dispatcher and a workshop shift: 403).
func staleOrHidden(ctx context.Context, call *oltp.Call, id int64) error {
	var chauffeur bool
	if err := call.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core.staff_shift s JOIN chauffeur.chauffeur c ON c.id = s.staff_id WHERE s.id = $1)`,
		id).Scan(&chauffeur); err != nil {
		return err
	}
	if !chauffeur && call.P.Role == "dispatcher" {
		return oltp.Forbidden("dispatchers plan chauffeurs' shifts only")
	}
	return oltp.PreconditionFailed()
}

// shiftListParams are the query parameters of GET /v1/shifts.
var shiftListParams = append([]oltp.Param{
	{Name: "branch_id", Type: oltp.ParamInteger, Required: true, Doc: "the branch"},
	oltp.IDParam("staff_id", "only this staff member's shifts"),
	{Name: "from", Type: oltp.ParamDate, Required: true, Doc: "first day (UTC) a listed shift starts on"},
	{Name: "to", Type: oltp.ParamDate, Required: true, Doc: "day after the last (UTC), at most 62 days after from"},
}, oltp.PageParams...)

// listShifts lists a branch's shifts that start in [from, to) (dates in
// UTC, at most 62 days), optionally of one staff member, by id.
func listShifts(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	page, err := oltp.ParsePage(call.Gin)
	if err != nil {
		return oltp.Result{}, err
	}
	branch, staff := call.QueryInt("branch_id"), call.QueryInt("staff_id")
	from, err := oltp.ParseDate("from", call.Query("from"))
	if err != nil {
		return oltp.Result{}, err
	}
	to, err := oltp.ParseDate("to", call.Query("to"))
	if err != nil {
		return oltp.Result{}, err
	}
	if !to.After(from) || to.Sub(from) > 62*24*time.Hour {
		return oltp.Result{}, oltp.BadRequest("to must be after from, at most 62 days later")
	}
	rows, err := call.Tx.Query(ctx, shiftSelect+` WHERE s.branch_id = $1 AND ($2 = 0 OR s.staff_id = $2)
		AND lower(s.period) >= $3 AND lower(s.period) < $4 AND s.id > $5 ORDER BY s.id LIMIT $6`,
		branch, staff, from, to, page.After, page.Limit+1)
	if err != nil {
		return oltp.Result{}, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Shift, error) { return scanShift(r) })
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: oltp.NewCollection(items, page.Limit, func(s Shift) int64 { return s.ID })}, nil
}
