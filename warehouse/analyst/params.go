package analyst

import (
	"context"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// ParamTypes checks query like Query does (one SELECT, hardened
// instance) without running it and returns the DuckDB types of its
// parameters, in order (TYPE_ANY where DuckDB cannot tell), for clients
// that bind typed values to a prepared statement.
func (h *Handler) ParamTypes(ctx context.Context, query string) ([]duckdb.Type, error) {
	if err := h.prepare(ctx); err != nil {
		return nil, err
	}
	qctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	var types []duckdb.Type
	err := readOnly(qctx, h.cfg.DB, query, func(c *duckdb.Conn) error {
		st, err := c.Prepare(query)
		if err != nil {
			return err
		}
		defer st.Close()
		ds, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("prepared statement is %T", st)
		}
		for i := 1; i <= ds.NumInput(); i++ {
			t, err := ds.ParamType(i)
			if err != nil {
				return err
			}
			types = append(types, t)
		}
		return nil
	})
	if err != nil {
		return nil, h.Redact(h.sqlError(qctx, err))
	}
	return types, nil
}
