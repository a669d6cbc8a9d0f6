package marts

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
)

//go:embed *.sql
var viewFiles embed.FS

//go:embed analytics/*.sql
var analyticFiles embed.FS

// Execer runs a statement: a *sql.DB, *sql.Conn or *sql.Tx of DuckDB.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func analyticSQL(name string) (string, error) {
	b, err := analyticFiles.ReadFile("analytics/" + name + ".sql")
	if err != nil {
		return "", fmt.Errorf("analytic %s: %w", name, err)
	}
	return string(b), nil
}
