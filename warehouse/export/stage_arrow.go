//go:build duckdb_arrow

package export

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// stage copies the rows of query on src (inside its transaction) into a
// new table named relation on dst, as Arrow record batches.
func stage(ctx context.Context, src, dst *sql.Conn, relation, query string) error {
	return src.Raw(func(sc any) error {
		sa, err := duckdb.NewArrowFromConn(driverConn(sc))
		if err != nil {
			return err
		}
		rdr, err := sa.QueryContext(ctx, query)
		if err != nil {
			return fmt.Errorf("read %s: %w", relation, err)
		}
		defer rdr.Release()
		return dst.Raw(func(dc any) error {
			da, err := duckdb.NewArrowFromConn(driverConn(dc))
			if err != nil {
				return err
			}
			release, err := da.RegisterView(rdr, "cch_export_stage")
			if err != nil {
				return err
			}
			defer release()
			cc := driverConn(dc).(driver.ExecerContext)
			for _, q := range []string{"CREATE SCHEMA IF NOT EXISTS " + ident(schemaOf(relation)),
				"CREATE TABLE " + quoteRelation(relation) + " AS SELECT * FROM cch_export_stage"} {
				if _, err := cc.ExecContext(ctx, q, nil); err != nil {
					return fmt.Errorf("stage %s: %w", relation, err)
				}
			}
			return nil
		})
	})
}

// driverConn is the DuckDB connection behind one handed out by
// (*sql.Conn).Raw: the warehouse wraps its connections (to move them to a
// rebuilt file), and the wrapper unwraps.
func driverConn(c any) driver.Conn {
	if u, ok := c.(interface{ Unwrap() driver.Conn }); ok {
		return u.Unwrap()
	}
	return c.(driver.Conn)
}
