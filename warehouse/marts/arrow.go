//go:build duckdb_arrow

package marts

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/duckdb/duckdb-go/v2"
)

// arrowRecords runs query on q through DuckDB's Arrow interface and calls
// fn with each record batch: the Go models read hundreds of thousands of
// numbers without boxing each one. ok is false when it cannot (q is not a
// *sql.DB or *sql.Conn, or an argument is a list), and the caller reads
// through database/sql instead. args are the sql.Named arguments of the
// $name parameters in query, in order of first use.
func arrowRecords(ctx context.Context, q Querier, query string, args []any, fn func(arrow.RecordBatch) error) (ok bool, err error) {
	var conn *sql.Conn
	switch c := q.(type) {
	case *sql.DB:
		if conn, err = c.Conn(ctx); err != nil {
			return true, err
		}
		defer conn.Close()
	case *sql.Conn:
		conn = c
	default:
		return false, nil
	}
	vals := make([]any, len(args))
	for i, a := range args {
		na, isNamed := a.(sql.NamedArg)
		if !isNamed {
			return false, nil
		}
		switch na.Value.(type) {
		case []int64, []any:
			return false, nil
		}
		vals[i] = na.Value
		query = paramRE.ReplaceAllStringFunc(query, func(m string) string {
			if m[1:] == na.Name {
				return "$" + strconv.Itoa(i+1)
			}
			return m
		})
	}
	return true, conn.Raw(func(dc any) error {
		if u, wrapped := dc.(interface{ Unwrap() driver.Conn }); wrapped {
			dc = u.Unwrap() // the warehouse's connection of its current file
		}
		c, isConn := dc.(driver.Conn)
		if !isConn {
			return fmt.Errorf("arrow: unexpected driver connection %T", dc)
		}
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, query, vals...)
		if err != nil {
			return err
		}
		defer rdr.Release()
		for rdr.Next() {
			if err := fn(rdr.RecordBatch()); err != nil {
				return err
			}
		}
		return rdr.Err()
	})
}
