package cdc

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// publishedTypesSQL lists the distinct types of every column the
// publication sends.
const publishedTypesSQL = `
SELECT DISTINCT a.atttypid, format_type(a.atttypid, NULL)
FROM pg_publication_tables pt
JOIN pg_namespace n ON n.nspname = pt.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
JOIN pg_attribute a ON a.attrelid = c.oid
WHERE pt.pubname = $1 AND a.attname = ANY (pt.attnames) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''`

// errBinaryRelation ends a binary-mode session whose stream announced a
// column DecodeBinary cannot read (a table or column added since the
// session started); the next session stays in text mode.
var errBinaryRelation = errors.New("relation has a column without a binary decoder")

// chooseBinary decides at session start whether pgoutput may send binary
// tuple data: only when binary is allowed and every published column's
// type has a binary decoder. It logs the choice and why.
func (s *Stream) chooseBinary(ctx context.Context, conn *pgx.Conn) (bool, error) {
	if s.cfg.TextOnly || s.textOnly.Load() {
		s.log.Info("replication format: text", "reason", "binary disabled")
		return false, nil
	}
	type typ struct {
		oid  uint32
		name string
	}
	types, err := pgx.CollectRows(must(conn.Query(ctx, publishedTypesSQL, s.cfg.Publication)),
		func(r pgx.CollectableRow) (typ, error) {
			var t typ
			return t, r.Scan(&t.oid, &t.name)
		})
	if err != nil {
		return false, fmt.Errorf("published column types: %w", err)
	}
	var unsupported []string
	for _, t := range types {
		if !BinaryDecodable(t.oid) {
			unsupported = append(unsupported, t.name)
		}
	}
	if len(unsupported) > 0 {
		s.log.Info("replication format: text", "reason", "types without a binary decoder", "types", unsupported)
		return false, nil
	}
	s.log.Info("replication format: binary", "types", len(types))
	return true, nil
}

// binaryDecodable reports whether every column of rel has a binary
// decoder.
func binaryDecodable(rel *Relation) bool {
	for _, c := range rel.Columns {
		if !BinaryDecodable(c.TypeOID) {
			return false
		}
	}
	return true
}
