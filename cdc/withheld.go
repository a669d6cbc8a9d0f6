package cdc

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Withheld is what the source database holds but the publication does
// not send: whole tables, and columns of published tables left out by a
// column list (PostgreSQL 15). A Sink that once received them — before a
// table left the publication or a column list was set — must drop them.
type Withheld struct {
	// Tables are "schema.name" of unpublished tables.
	Tables map[string]bool
	// Columns lists, per published table ("schema.name"), the columns
	// its column list leaves out.
	Columns map[string][]string
	// Existing holds every user table of the source ("schema.name"):
	// a mirror of any other table mirrors one that was dropped (or
	// renamed: the stream mirrors it under its new name).
	Existing map[string]bool
}

// Forgetter is implemented by a Sink that drops the tables and columns it
// holds of withheld ones. Stream calls Forget at the start of every
// session, after the Sink's position is settled and before streaming.
type Forgetter interface {
	Forget(ctx context.Context, w Withheld) error
}

// withheldSQL lists every user table with, when it is published, the
// published column names (NULL when it is not published) and its columns.
const withheldSQL = `
SELECT n.nspname, c.relname, pt.attnames IS NOT NULL,
  coalesce(array_agg(a.attname::text ORDER BY a.attnum)
    FILTER (WHERE pt.attnames IS NOT NULL AND NOT a.attname = ANY (pt.attnames)), '{}')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_publication_tables pt ON pt.pubname = $1 AND pt.schemaname = n.nspname AND pt.tablename = c.relname
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
GROUP BY n.nspname, c.relname, pt.attnames`

// withheld reads what the publication leaves out of the source tables.
func withheld(ctx context.Context, conn *pgx.Conn, pub string) (Withheld, error) {
	w := Withheld{Tables: map[string]bool{}, Columns: map[string][]string{}, Existing: map[string]bool{}}
	rows, err := conn.Query(ctx, withheldSQL, pub)
	if err != nil {
		return w, fmt.Errorf("unpublished tables and columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var schema, name string
		var published bool
		var cols []string
		if err := rows.Scan(&schema, &name, &published, &cols); err != nil {
			return w, fmt.Errorf("unpublished tables and columns: %w", err)
		}
		key := schema + "." + name
		w.Existing[key] = true
		switch {
		case !published:
			w.Tables[key] = true
		case len(cols) > 0:
			w.Columns[key] = cols
		}
	}
	return w, rows.Err()
}

// forgetWithheld tells a Forgetter sink what the publication withholds.
func (s *Stream) forgetWithheld(ctx context.Context, conn *pgx.Conn) error {
	f, ok := s.sink.(Forgetter)
	if !ok {
		return nil
	}
	w, err := withheld(ctx, conn, s.cfg.Publication)
	if err != nil {
		return err
	}
	return f.Forget(ctx, w)
}
