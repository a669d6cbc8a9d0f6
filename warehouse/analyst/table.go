package analyst

import (
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/carcarehub/cch/warehouse/marts"
)

// readDriverRows reads at most limit rows (0: no limit) of a raw driver
// result into a Table, refusing an answer whose values hold more than
// maxBytes (answer-too-large).
func readDriverRows(rows driver.Rows, limit int, maxBytes int64) (*marts.Table, error) {
	var size int64
	names := rows.Columns()
	t := &marts.Table{Columns: make([]marts.Column, len(names)), Rows: [][]any{}}
	typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
	for i, n := range names {
		t.Columns[i].Name = n
		if typed != nil {
			t.Columns[i].Type = typed.ColumnTypeDatabaseTypeName(i)
		}
	}
	for {
		dest := make([]driver.Value, len(names))
		err := rows.Next(dest)
		if errors.Is(err, io.EOF) {
			return t, nil
		} else if err != nil {
			return nil, err
		}
		if limit > 0 && len(t.Rows) == limit {
			t.Truncated = true
			return t, nil
		}
		row := make([]any, len(dest))
		for _, v := range dest {
			size += valueSize(v)
		}
		if size > maxBytes {
			return nil, errAnswerTooLarge(maxBytes)
		}
		for i, v := range dest {
			row[i] = marts.JSONValue(v, t.Columns[i].Type)
		}
		t.Rows = append(t.Rows, row)
	}
}

// writeCSV writes t as RFC 4180 CSV with a header row; NULL is empty.
func writeCSV(w io.Writer, t *marts.Table) error {
	cw := csv.NewWriter(w)
	rec := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		rec[i] = c.Name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for _, r := range t.Rows {
		for i, v := range r {
			rec[i] = csvValue(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any, map[string]any: // lists and structs: as in the JSON answer
		if b, err := json.Marshal(v); err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}
