//go:build duckdb_arrow

package warehouse

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// registerArrow registers rr as the temporary view arrowView on the
// transaction's connection. The returned func releases the exported
// stream; the view must not be scanned after it.
func (t *applyTx) registerArrow(rr array.RecordReader) (release func(), err error) {
	err = t.conn.Raw(func(dc any) error {
		c, ok := DuckConn(dc)
		if !ok {
			return fmt.Errorf("warehouse connection is %T, not DuckDB", dc)
		}
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return err
		}
		release, err = ar.RegisterView(rr, arrowView)
		return err
	})
	return release, err
}
