package marts

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

//go:embed *.sql
var viewFiles embed.FS

//go:embed analytics/*.sql
var analyticFiles embed.FS

// Execer is what Install needs: a *sql.DB, *sql.Conn or *sql.Tx of DuckDB.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Install creates (or replaces) the mart macros and views, file by file in
// name order. The mirror tables the views read must exist.
func Install(ctx context.Context, db Execer) error {
	names, err := fs.Glob(viewFiles, "*.sql")
	if err != nil {
		return fmt.Errorf("list marts: %w", err)
	}
	slices.Sort(names)
	for _, name := range names {
		b, err := viewFiles.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read mart %s: %w", name, err)
		}
		if _, err := db.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("install mart %s: %w", name, err)
		}
	}
	return nil
}

// Views lists the mart views Install creates, as "mart.name".
func Views() []string {
	var out []string
	names, _ := fs.Glob(viewFiles, "*.sql")
	for _, name := range names {
		b, _ := viewFiles.ReadFile(name)
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "CREATE OR REPLACE VIEW "); ok {
				out = append(out, strings.Fields(rest)[0])
			}
		}
	}
	return out
}

func analyticSQL(name string) (string, error) {
	b, err := analyticFiles.ReadFile("analytics/" + name + ".sql")
	if err != nil {
		return "", fmt.Errorf("analytic %s: %w", name, err)
	}
	return string(b), nil
}
