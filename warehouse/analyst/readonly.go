package analyst

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/carcarehub/cch/oltp"
)

// Harden switches off file, network and extension access on the DuckDB
// instance behind db and locks its configuration. It is irreversible for
// the life of the instance; run it before the first analyst query.
func Harden(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, "SET GLOBAL enable_external_access = false"); err != nil {
		return fmt.Errorf("disable external access: %w", err)
	}
	if _, err := db.ExecContext(ctx, "SET GLOBAL lock_configuration = true"); err != nil {
		return fmt.Errorf("lock configuration: %w", err)
	}
	return nil
}

// errNotSelect is the problem for statements other than one SELECT.
func errNotSelect(detail string) error {
	return &oltp.Error{Kind: "read-only", Status: http.StatusForbidden, Title: "Read-only SQL",
		Detail: detail}
}

// errBadSQL is the problem for SQL that does not parse or bind.
func errBadSQL(err error) error {
	return &oltp.Error{Kind: "bad-sql", Status: http.StatusBadRequest, Title: "Invalid SQL",
		Detail: err.Error(), Err: err}
}

// errTimeout is the problem for a query cancelled by the statement timeout.
func errTimeout(d time.Duration) error {
	return &oltp.Error{Kind: "query-timeout", Status: http.StatusGatewayTimeout, Title: "Query timeout",
		Detail: fmt.Sprintf("the query ran longer than %s and was cancelled", d)}
}

// checkSelect prepares query on c and refuses anything but one SELECT.
// Prepare (unlike PrepareContext) refuses a string of several statements
// instead of executing all but the last.
func checkSelect(c *duckdb.Conn, query string) error {
	st, err := c.Prepare(query)
	if err != nil {
		var de *duckdb.Error
		switch {
		case errors.As(err, &de) && de.Type == duckdb.ErrorTypePermission:
			return errNotSelect("file, network and extension access are disabled")
		case errors.As(err, &de):
			return errBadSQL(err)
		case errors.Is(err, driver.ErrBadConn):
			return err
		}
		// Not an engine error: empty, or several statements.
		return &oltp.Error{Kind: "bad-sql", Status: http.StatusBadRequest, Title: "Invalid SQL",
			Detail: "send exactly one SELECT statement", Err: err}
	}
	defer st.Close()
	typ, err := st.(*duckdb.Stmt).StatementType()
	if err != nil {
		return fmt.Errorf("statement type: %w", err)
	}
	if typ != duckdb.STATEMENT_TYPE_SELECT {
		return errNotSelect("only SELECT statements are allowed")
	}
	return nil
}

// readOnly runs fn on one raw DuckDB connection inside a READ ONLY
// transaction, entered into p's views, after the gate admitted query
// (trusted queries of the server's own, such as the Flight SQL catalogue,
// skip the gate but not the views). The transaction is always rolled back;
// a connection that cannot roll back or leave the views is discarded.
func (h *Handler) readOnly(ctx context.Context, p oltp.Principal, query string, trusted bool, fn func(c *duckdb.Conn) error) error {
	set, release, err := h.cfg.Scope.Acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	conn, err := h.cfg.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("warehouse connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		if u, wrapped := dc.(interface{ Unwrap() driver.Conn }); wrapped {
			dc = u.Unwrap() // the warehouse's connection of its current file
		}
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("warehouse connection is %T, not DuckDB", dc)
		}
		if !trusted {
			if err := gate(ctx, c, set, p.Role, query); err != nil {
				return err
			}
		}
		leave, err := set.Enter(ctx, c, caller(p))
		if err != nil {
			return err
		}
		err = inReadOnlyTx(ctx, c, query, fn)
		return errors.Join(err, leave(context.WithoutCancel(ctx)))
	})
}

func inReadOnlyTx(ctx context.Context, c *duckdb.Conn, query string, fn func(c *duckdb.Conn) error) error {
	if err := checkSelect(c, query); err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, "BEGIN TRANSACTION READ ONLY", nil); err != nil {
		return fmt.Errorf("begin read-only transaction: %w", err)
	}
	err := fn(c)
	if _, rbErr := c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK", nil); rbErr != nil {
		return errors.Join(err, rbErr, driver.ErrBadConn)
	}
	return err
}
