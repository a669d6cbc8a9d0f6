package analyst

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
)

// POST /v1/sql answers are bounded in bytes (Config.MaxAnswerBytes): rows
// are counted as they are read (values' sizes) and the answer is encoded
// into a buffer that refuses to grow past the bound, and only a complete
// answer is sent, with its Content-Length. Past the bound the client gets
// a 422 answer-too-large problem instead, never a truncated 200 body, so
// every client detects it. The memory one answer holds is thus about
// twice the bound at most.

// httpCaller is the Caller of a POST /v1/sql request.
func httpCaller(c *gin.Context, p oltp.Principal, format string) Caller {
	id := c.Writer.Header().Get(oltp.RequestIDHeader) // set by the API's request-id middleware
	if id == "" && ValidRequestID(c.GetHeader(oltp.RequestIDHeader)) {
		id = c.GetHeader(oltp.RequestIDHeader)
		c.Header(oltp.RequestIDHeader, id)
	}
	if id == "" {
		id = NewRequestID()
		c.Header(oltp.RequestIDHeader, id)
	}
	channel := map[string]string{gin.MIMEJSON: "sql/json", "text/csv": "sql/csv", MIMEArrowStream: "sql/arrow"}[format]
	return Caller{Principal: p, RequestID: id, Channel: channel}
}

// answer runs query and writes its answer in format, or a problem. It
// calls end with the rows and the failure (for the audit log) before any
// of the answer is written.
func (h *Handler) answer(c *gin.Context, p oltp.Principal, format, query string, end func(int64, error)) {
	var (
		body      *cappedBuffer
		rows      int64
		truncated bool
		err       error
	)
	if format == MIMEArrowStream {
		body, rows, truncated, err = h.encodeArrow(c, p, query)
	} else {
		var t *marts.Table
		if t, err = h.Query(c.Request.Context(), p, query); err == nil {
			body, err = h.encodeTable(t, format)
			rows, truncated = int64(len(t.Rows)), t.Truncated
		}
	}
	if err != nil {
		err = h.UnboundParams(c.Request.Context(), p, query, err)
		end(0, err)
		oltp.WriteError(c, h.Redact(err))
		return
	}
	end(rows, nil)
	if truncated {
		c.Header("X-CCH-Truncated", "true")
	}
	c.Header("Content-Type", map[string]string{gin.MIMEJSON: "application/json; charset=utf-8",
		"text/csv": "text/csv; charset=utf-8", MIMEArrowStream: MIMEArrowStream}[format])
	c.Header("Content-Length", contentLength(body.Len()))
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(body.Bytes())
}

// encodeArrow runs query into Arrow and encodes it as an IPC stream.
func (h *Handler) encodeArrow(c *gin.Context, p oltp.Principal, query string) (*cappedBuffer, int64, bool, error) {
	res, err := h.QueryArrow(c.Request.Context(), p, query)
	if err != nil {
		return nil, 0, false, err
	}
	defer res.Release()
	buf := &cappedBuffer{limit: h.cfg.MaxAnswerBytes}
	if err := res.WriteIPC(buf); err != nil {
		return nil, 0, false, h.encodeError(err)
	}
	return buf, res.Rows, res.Truncated, nil
}

// encodeTable encodes t as JSON ({"columns", "rows", "truncated"}, as
// marts.Table marshals) or CSV, row by row into a bounded buffer.
func (h *Handler) encodeTable(t *marts.Table, format string) (*cappedBuffer, error) {
	buf := &cappedBuffer{limit: h.cfg.MaxAnswerBytes}
	var err error
	if format == "text/csv" {
		err = writeCSV(buf, t)
	} else {
		err = writeJSON(buf, t)
	}
	if err != nil {
		return nil, h.encodeError(err)
	}
	return buf, nil
}

func (h *Handler) encodeError(err error) error {
	if errors.Is(err, errCapped) {
		return errAnswerTooLarge(h.cfg.MaxAnswerBytes)
	}
	return fmt.Errorf("encode answer: %w", err)
}

// writeJSON writes t as json.Marshal would, one row at a time.
func writeJSON(w *cappedBuffer, t *marts.Table) error {
	cols, err := json.Marshal(t.Columns)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, `{"columns":%s,"rows":[`, cols); err != nil {
		return err
	}
	for i, r := range t.Rows {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if i > 0 {
			b = append([]byte{','}, b...)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	end := "]}"
	if t.Truncated {
		end = `],"truncated":true}`
	}
	_, err = w.Write([]byte(end))
	return err
}

// Redact removes the warehouse's file system paths (Config.Paths) from a
// problem's detail: DuckDB names files in some of its errors.
func (h *Handler) Redact(err error) error {
	var e *oltp.Error
	if !errors.As(err, &e) {
		return err
	}
	detail := e.Detail
	for _, p := range h.cfg.Paths {
		if p != "" {
			detail = strings.ReplaceAll(detail, p, "<warehouse>")
		}
	}
	if detail == e.Detail {
		return err
	}
	r := *e
	r.Detail = detail
	return &r
}
