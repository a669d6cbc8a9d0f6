//go:build duckdb_arrow

package analyst

import (
	"context"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/carcarehub/cch/oltp"
)

// arrowSupported reports whether this binary can answer in Arrow IPC.
const arrowSupported = true

// QueryArrow runs one read-only analyst SELECT for p (as Query does) and
// binding args to its parameters, returns its answer as Arrow record
// batches, at most RowLimit rows and MaxAnswerBytes. The caller must
// Release the result.
func (h *Handler) QueryArrow(ctx context.Context, p oltp.Principal, query string, args ...any) (*ArrowResult, error) {
	return h.queryArrow(ctx, p, query, false, args)
}

// CatalogueArrow runs a query of the server's own (the Flight SQL
// catalogue calls: information_schema filtered to the current catalogue)
// over p's views without the analyst gate.
func (h *Handler) CatalogueArrow(ctx context.Context, p oltp.Principal, query string) (*ArrowResult, error) {
	return h.queryArrow(ctx, p, query, true, nil)
}

func (h *Handler) queryArrow(ctx context.Context, p oltp.Principal, query string, trusted bool, args []any) (*ArrowResult, error) {
	if err := h.prepare(ctx); err != nil {
		return nil, err
	}
	qctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	var res *ArrowResult
	err := h.readOnly(qctx, p, query, trusted, func(c *duckdb.Conn) error {
		var err error
		res, err = collectArrow(qctx, c, query, h.cfg.RowLimit, h.cfg.MaxAnswerBytes, args)
		return err
	})
	if err != nil {
		return nil, h.sqlError(qctx, err)
	}
	return res, nil
}

// collectArrow runs query on c and keeps at most limit rows (0: no limit)
// and maxBytes of batches.
func collectArrow(ctx context.Context, c *duckdb.Conn, query string, limit int, maxBytes int64, args []any) (*ArrowResult, error) {
	ar, err := duckdb.NewArrowFromConn(c)
	if err != nil {
		return nil, fmt.Errorf("arrow interface: %w", err)
	}
	rdr, err := ar.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	res := &ArrowResult{Schema: rdr.Schema()}
	var size int64
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if size += recordSize(rec); size > maxBytes {
			res.Release()
			return nil, errAnswerTooLarge(maxBytes)
		}
		if limit > 0 && res.Rows+rec.NumRows() > int64(limit) {
			res.Batches = append(res.Batches, rec.NewSlice(0, int64(limit)-res.Rows))
			res.Rows, res.Truncated = int64(limit), true
			break
		}
		rec.Retain()
		res.Batches = append(res.Batches, rec)
		res.Rows += rec.NumRows()
	}
	if err := rdr.Err(); err != nil {
		res.Release()
		return nil, err
	}
	return res, nil
}
