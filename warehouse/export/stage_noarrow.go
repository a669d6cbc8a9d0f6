//go:build !duckdb_arrow

package export

import (
	"context"
	"database/sql"
	"errors"
)

func stage(context.Context, *sql.Conn, *sql.Conn, string, string) error {
	return errors.New("export through a running warehouse needs the duckdb_arrow build")
}
