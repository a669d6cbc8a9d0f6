//go:build !duckdb_arrow

package marts

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// arrowRecords needs the duckdb_arrow build tag; without it the callers
// read through database/sql.
func arrowRecords(context.Context, Querier, string, []any, func(arrow.RecordBatch) error) (bool, error) {
	return false, nil
}
