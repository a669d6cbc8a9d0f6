//go:build !duckdb_arrow

package analyst

import (
	"context"
	"errors"

	"github.com/carcarehub/cch/oltp"
)

// arrowSupported reports whether this binary can answer in Arrow IPC
// (build tag duckdb_arrow).
const arrowSupported = false

// QueryArrow needs the duckdb_arrow build tag.
func (h *Handler) QueryArrow(context.Context, oltp.Principal, string, ...any) (*ArrowResult, error) {
	return nil, errors.New("analyst: built without the duckdb_arrow tag")
}

// CatalogueArrow needs the duckdb_arrow build tag.
func (h *Handler) CatalogueArrow(context.Context, oltp.Principal, string) (*ArrowResult, error) {
	return nil, errors.New("analyst: built without the duckdb_arrow tag")
}
