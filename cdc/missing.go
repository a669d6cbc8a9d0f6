package cdc

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// missingSQL lists the columns of a table whose rows from before the
// column was added hold no value on disk: PostgreSQL (11+) returns
// attmissingval for them — the ADD COLUMN's non-volatile default,
// evaluated once — and pgoutput never sends those rows.
const missingSQL = `
SELECT a.attname, a.atttypid, format_type(a.atttypid, NULL), t.typcategory = 'A'
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1 AND a.attnum > 0 AND a.atthasmissing AND NOT a.attisdropped`

// annotateMissing sets Missing/HasMissing on rel's columns from the
// primary's catalogue, over the stream's normal connection, right after
// the Decoder produced rel and before any change refers to it. The value
// is read when the relation message arrives, not as of its WAL position:
// a column dropped or rewritten in between reports no missing value.
func annotateMissing(ctx context.Context, conn *pgx.Conn, rel *Relation) error {
	rows, err := conn.Query(ctx, missingSQL, rel.ID)
	if err != nil {
		return fmt.Errorf("missing values of %s.%s: %w", rel.Schema, rel.Name, err)
	}
	type missing struct {
		name, typ string
		oid       uint32
		array     bool
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (missing, error) {
		var m missing
		return m, r.Scan(&m.name, &m.oid, &m.typ, &m.array)
	})
	if err != nil {
		return fmt.Errorf("missing values of %s.%s: %w", rel.Schema, rel.Name, err)
	}
	for _, m := range ms {
		i := rel.column(m.name)
		if i < 0 || m.array {
			continue // arrays: attmissingval's element would be a slice
		}
		v, err := missingValue(ctx, conn, rel.ID, m.name, m.typ, m.oid)
		if err != nil {
			return fmt.Errorf("missing value of %s.%s.%s: %w", rel.Schema, rel.Name, m.name, err)
		}
		rel.Columns[i].Missing, rel.Columns[i].HasMissing = v, true
	}
	return nil
}

// missingValue reads one attmissingval (a one-element array of the
// column's type) in the type's output form — what pgoutput would send in
// text mode (a cast to text differs: bool gives "false", not "f") — and
// decodes it like a streamed value.
func missingValue(ctx context.Context, conn *pgx.Conn, relID uint32, col, typ string, oid uint32) (any, error) {
	// typ comes from format_type(): a valid, quoted type name.
	q := `SELECT ((attmissingval::text)::` + typ + `[])[1] FROM pg_attribute
		WHERE attrelid = $1::oid AND attname = $2::name`
	params := [][]byte{[]byte(strconv.FormatUint(uint64(relID), 10)), []byte(col)}
	res := conn.PgConn().ExecParams(ctx, q, params, nil, nil, []int16{0}).Read()
	if res.Err != nil {
		return nil, res.Err
	}
	if len(res.Rows) != 1 {
		return nil, fmt.Errorf("no missing value of %s", col)
	}
	if res.Rows[0][0] == nil {
		return nil, nil
	}
	return DecodeText(oid, res.Rows[0][0])
}

// column returns the index of the column named name, or -1.
func (r *Relation) column(name string) int {
	for i, c := range r.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}
