package analyst

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/gin-gonic/gin"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
)

// MIMEArrowStream is the Arrow IPC stream media type.
const MIMEArrowStream = "application/vnd.apache.arrow.stream"

// sqlRequest is the body of POST /v1/sql.
type sqlRequest struct {
	Query string `json:"query"`
}

func (h *Handler) sql(c *gin.Context, p oltp.Principal) {
	if !slices.Contains(SQLRoles(), p.Role) {
		oltp.WriteError(c, oltp.Forbidden("the "+p.Role+" role may not run analyst SQL"))
		return
	}
	var req sqlRequest
	body := http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
	if err := oltp.DecodeJSON(body, &req); err != nil {
		oltp.WriteError(c, err)
		return
	}
	if req.Query == "" {
		oltp.WriteError(c, oltp.BadRequest("query is required"))
		return
	}
	start := time.Now()
	defer func() { h.cfg.Metrics.observe("sql", start, c.Writer.Status()) }()
	ctx := c.Request.Context()
	if err := h.prepare(ctx); err != nil {
		oltp.WriteError(c, err)
		return
	}
	format := c.NegotiateFormat(gin.MIMEJSON, "text/csv", MIMEArrowStream)
	if format == MIMEArrowStream && !arrowSupported {
		oltp.WriteError(c, &oltp.Error{Kind: "not-acceptable", Status: http.StatusNotAcceptable, Title: "Not acceptable",
			Detail: "this build cannot answer in Arrow; ask for application/json or text/csv"})
		return
	}
	acc, err := h.Admit(httpCaller(c, p, format), req.Query)
	if err != nil {
		oltp.WriteError(c, err)
		return
	}
	h.answer(c, p, format, req.Query, acc.End)
}

// Query runs one read-only analyst SELECT for p, over p's views, with the
// timeout and row limit.
func (h *Handler) Query(ctx context.Context, p oltp.Principal, query string) (*marts.Table, error) {
	if err := h.prepare(ctx); err != nil {
		return nil, err
	}
	qctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	var t *marts.Table
	err := h.readOnly(qctx, p, query, false, func(c *duckdb.Conn) error {
		rows, err := c.QueryContext(qctx, query, nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		t, err = readDriverRows(rows, h.cfg.RowLimit, h.cfg.MaxAnswerBytes)
		return err
	})
	if err != nil {
		return nil, h.sqlError(qctx, err)
	}
	return t, nil
}

// sqlError maps an analyst query failure to a problem.
func (h *Handler) sqlError(ctx context.Context, err error) error {
	var oe *oltp.Error
	var de *duckdb.Error
	switch {
	case errors.As(err, &oe):
		return err
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return errTimeout(h.cfg.Timeout)
	case errors.As(err, &de) && de.Type == duckdb.ErrorTypePermission:
		return errNotSelect("file, network and extension access are disabled")
	case errors.As(err, &de) && de.Type == duckdb.ErrorTypeTransaction:
		return errNotSelect("the query tried to write: " + de.Msg)
	case errors.As(err, &de):
		return errBadSQL(err)
	}
	return fmt.Errorf("analyst query: %w", err)
}
