//go:build !duckdb_arrow

package warehouse

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// registerArrow needs duckdb-go's Arrow interface (build tag
// duckdb_arrow, which the Makefile sets).
func (t *applyTx) registerArrow(array.RecordReader) (func(), error) {
	return nil, errors.New("warehouse: built without the duckdb_arrow tag, which the CDC sink needs")
}
