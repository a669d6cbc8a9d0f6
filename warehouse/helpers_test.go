package warehouse_test

import (
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

func fmtVal(v any) string {
	switch v := v.(type) {
	case duckdb.Decimal:
		return v.String()
	case []byte:
		return fmt.Sprintf("%x", v)
	}
	return fmt.Sprint(v)
}
