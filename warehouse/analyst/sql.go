package analyst

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

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
	if format == MIMEArrowStream {
		h.sqlArrow(c, p, req.Query)
		return
	}
	t, err := h.Query(ctx, p, req.Query)
	if err != nil {
		oltp.WriteError(c, err)
		return
	}
	h.writeTable(c, t)
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
		t, err = readDriverRows(rows, h.cfg.RowLimit)
		return err
	})
	if err != nil {
		return nil, h.sqlError(qctx, err)
	}
	return t, nil
}

// sqlArrow buffers the Arrow stream so that a failure mid-way still gets
// a problem response, not a truncated 200.
func (h *Handler) sqlArrow(c *gin.Context, p oltp.Principal, query string) {
	res, err := h.QueryArrow(c.Request.Context(), p, query)
	if err != nil {
		oltp.WriteError(c, err)
		return
	}
	defer res.Release()
	var buf bytes.Buffer
	if err := res.WriteIPC(&buf); err != nil {
		oltp.WriteError(c, fmt.Errorf("encode arrow: %w", err))
		return
	}
	if res.Truncated {
		c.Header("X-CCH-Truncated", "true")
	}
	c.Header("Content-Length", strconv.Itoa(buf.Len()))
	c.Header("Content-Type", MIMEArrowStream)
	c.Status(http.StatusOK)
	_, _ = io.Copy(c.Writer, &buf)
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
