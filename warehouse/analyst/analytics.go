package analyst

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
)

// analyticInfo is one entry of GET /v1/analytics.
type analyticInfo struct {
	Name       string `json:"name"`
	Summary    string `json:"summary"`
	Financial  bool   `json:"financial"`
	TimeSeries bool   `json:"time_series"`
}

func (h *Handler) list(c *gin.Context, p oltp.Principal) {
	ctx := c.Request.Context()
	if err := h.prepare(ctx); err != nil {
		oltp.WriteError(c, err)
		return
	}
	open, err := h.access.Open(ctx, p.Role)
	if err != nil {
		oltp.WriteError(c, err)
		return
	}
	items := []analyticInfo{}
	for _, a := range marts.Catalog() {
		if open[a.Name] {
			items = append(items, analyticInfo{a.Name, a.Summary, a.Financial, a.TimeSeries})
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (h *Handler) analytic(c *gin.Context, p oltp.Principal) {
	a, ok := marts.Lookup(c.Param("name"))
	if !ok {
		oltp.WriteError(c, oltp.NotFound("no analytic "+c.Param("name")))
		return
	}
	ctx := c.Request.Context()
	if err := h.prepare(ctx); err != nil {
		oltp.WriteError(c, err)
		return
	}
	if why, err := h.access.Refusal(ctx, p.Role, a); err != nil {
		oltp.WriteError(c, err)
		return
	} else if why != "" {
		oltp.WriteError(c, oltp.Forbidden(fmt.Sprintf("the %s role may not read %s: %s", p.Role, a.Name, why)))
		return
	}
	params, minLSN, err := parseParams(c, p)
	if err != nil {
		oltp.WriteError(c, err)
		return
	}
	if err := waitApplied(ctx, h.cfg.Applied, minLSN, h.cfg.MaxWait); err != nil {
		oltp.WriteError(c, err)
		return
	}
	qctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	t, err := marts.Run(qctx, h.cfg.DB, a, params, h.cfg.RowLimit)
	if err != nil {
		oltp.WriteError(c, h.queryError(qctx, err))
		return
	}
	c.Header("X-CCH-Applied-LSN", h.cfg.Applied().String())
	h.writeTable(c, t)
}

// analyticParams are the query parameters of GET /v1/analytics/:name.
var analyticParams = []oltp.Param{
	oltp.IDParam("branch_id", "only this branch (one of yours)"),
	{Name: "from", Type: oltp.ParamDate, Doc: "first day (inclusive)"},
	{Name: "to", Type: oltp.ParamDate, Doc: "last day (exclusive)"},
	oltp.EnumParam("granularity", marts.Granularities, "the time bucket"),
	{Name: "min_lsn", Type: oltp.ParamLSN, Doc: "wait (at most a few seconds) until the warehouse has applied this position (an X-CCH-LSN of an earlier write)"},
}

// parseParams reads the declared analyticParams and scopes the analytic
// to the caller's organisation and branches.
func parseParams(c *gin.Context, p oltp.Principal) (marts.Params, cdc.LSN, error) {
	out := marts.Params{OrganisationID: p.OrganisationID, BranchIDs: p.BranchIDs}
	q, err := oltp.ParseQuery(c, analyticParams)
	if err != nil {
		return out, 0, err
	}
	out.Granularity = q["granularity"]
	if staffScopedRole(p.Role) {
		out.StaffID = p.StaffID
	}
	if s := q["branch_id"]; s != "" {
		id, _ := strconv.ParseInt(s, 10, 64) // checked by ParseQuery
		if len(p.BranchIDs) > 0 && !slices.Contains(p.BranchIDs, id) {
			return out, 0, oltp.Forbidden("branch " + s + " is outside your branches")
		}
		out.BranchIDs = []int64{id}
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &out.From}, {"to", &out.To}} {
		if s, ok := q[f.name]; ok {
			if *f.dst, err = oltp.ParseDate(f.name, s); err != nil {
				return out, 0, err
			}
		}
	}
	if !out.From.IsZero() && !out.To.IsZero() && !out.From.Before(out.To) {
		return out, 0, oltp.BadRequest("from must be before to")
	}
	var lsn cdc.LSN
	if s := q["min_lsn"]; s != "" {
		if lsn, err = cdc.ParseLSN(s); err != nil {
			return out, 0, oltp.BadRequest("min_lsn must be a PostgreSQL LSN such as 0/16B3748")
		}
	}
	return out, lsn, nil
}

// queryError maps a failed query: parameter problems are 400, a timeout
// is a query-timeout problem.
func (h *Handler) queryError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, marts.ErrInvalid):
		return oltp.BadRequest(err.Error())
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return errTimeout(h.cfg.Timeout)
	}
	return err
}

// writeTable answers JSON, or CSV when the client accepts text/csv.
func (h *Handler) writeTable(c *gin.Context, t *marts.Table) {
	if t.Truncated {
		c.Header("X-CCH-Truncated", "true")
	}
	if c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv" {
		c.Status(http.StatusOK)
		c.Header("Content-Type", "text/csv; charset=utf-8")
		if err := writeCSV(c.Writer, t); err != nil {
			_ = c.Error(err)
		}
		return
	}
	c.JSON(http.StatusOK, t)
}
