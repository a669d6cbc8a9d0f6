//go:build duckdb_arrow

package analyst

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/duckdb/duckdb-go/v2"
)

// arrowSupported reports whether this binary can answer in Arrow IPC.
const arrowSupported = true

// writeArrow runs query on c and streams at most limit rows (0: no limit)
// as an Arrow IPC stream. It returns the number of rows written and
// whether more were left out.
func writeArrow(ctx context.Context, c *duckdb.Conn, query string, limit int, w io.Writer) (int64, bool, error) {
	ar, err := duckdb.NewArrowFromConn(c)
	if err != nil {
		return 0, false, fmt.Errorf("arrow interface: %w", err)
	}
	rdr, err := ar.QueryContext(ctx, query)
	if err != nil {
		return 0, false, err
	}
	defer rdr.Release()
	iw := ipc.NewWriter(w, ipc.WithSchema(rdr.Schema()))
	var n int64
	truncated := false
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if limit > 0 && n+rec.NumRows() > int64(limit) {
			part := rec.NewSlice(0, int64(limit)-n)
			err = iw.Write(part)
			part.Release()
			n, truncated = int64(limit), true
			break
		}
		if err = iw.Write(rec); err != nil {
			break
		}
		n += rec.NumRows()
	}
	if err == nil {
		err = rdr.Err()
	}
	return n, truncated, errors.Join(err, iw.Close())
}
