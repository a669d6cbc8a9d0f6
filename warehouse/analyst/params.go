package analyst

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/carcarehub/cch/oltp"
)

// ParamTypes checks query like Query does (one SELECT, hardened
// instance) without running it and returns the DuckDB types of its
// parameters, in order (TYPE_ANY where DuckDB cannot tell), for clients
// that bind typed values to a prepared statement.
func (h *Handler) ParamTypes(ctx context.Context, p oltp.Principal, query string) ([]duckdb.Type, error) {
	if err := h.prepare(ctx); err != nil {
		return nil, err
	}
	qctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	var types []duckdb.Type
	err := h.readOnly(qctx, p, query, false, func(c *duckdb.Conn) error {
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

// UnboundParams explains a failure of query that is not a problem yet:
// when the query has parameters ($1, ?) and none were bound, the driver
// fails outside DuckDB's own errors; that is the caller's mistake (400),
// not the server's. Other errors are returned as they are. It prepares
// the query again only when it has failed.
func (h *Handler) UnboundParams(ctx context.Context, p oltp.Principal, query string, err error) error {
	var oe *oltp.Error
	if err == nil || errors.As(err, &oe) {
		return err
	}
	if types, perr := h.ParamTypes(ctx, p, query); perr == nil && len(types) > 0 {
		return &oltp.Error{Kind: "bad-sql", Status: http.StatusBadRequest, Title: "Invalid SQL", Err: err,
			Detail: fmt.Sprintf("the query has %d parameters and none are bound; write the values into the query", len(types))}
	}
	return err
}
