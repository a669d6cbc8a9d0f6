//go:build !duckdb_arrow

package analyst

import (
	"context"
	"errors"
	"io"

	"github.com/duckdb/duckdb-go/v2"
)

// arrowSupported reports whether this binary can answer in Arrow IPC
// (build tag duckdb_arrow).
const arrowSupported = false

func writeArrow(context.Context, *duckdb.Conn, string, int, io.Writer) (int64, bool, error) {
	return 0, false, errors.New("built without the duckdb_arrow tag")
}
