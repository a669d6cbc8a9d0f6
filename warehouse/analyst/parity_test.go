package analyst_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	aflight "github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/carcarehub/cch/oltp"
)

// TestParity asks every published table, as every business role (and a
// manager of the other organisation), of PostgreSQL through the API's
// transaction context and of the warehouse through POST /v1/sql and
// Flight SQL, and requires the same columns and the same rows, value for
// value. The tables are read from the publication, so a table added
// later is covered without editing the test; the last subtest adds a
// table and a column and checks they are governed, never open.
func TestParity(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a business and mirrors it")
	}
	s := newSeeded(t)
	s.catchUp(t)
	tables := s.publishedTables(t)
	if len(tables) < 40 {
		t.Fatalf("only %d published tables", len(tables))
	}
	for _, name := range s.callerNames() {
		t.Run(name, func(t *testing.T) { s.assertCaller(t, name, tables) })
	}
	t.Run("analytics follow the column grants", func(t *testing.T) { testAnalyticsFollowGrants(t, s) })
	t.Run("analytics follow the row policies", func(t *testing.T) { testAnalyticsFollowRowPolicies(t, s) })
	t.Run("an export as a role holds what the role sees", func(t *testing.T) { testExportAsRole(t, s) })
	t.Run("customers are pseudonymous where PII is not granted", func(t *testing.T) { testPseudonymousCustomers(t, s) })
	t.Run("a new table or column is governed, never open", func(t *testing.T) { testNewObjects(t, s) })
}

func (s *seeded) callerNames() []string {
	names := make([]string, 0, len(s.callers))
	for n := range s.callers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// assertCaller checks every table for one caller, and that its Flight SQL
// catalogue lists exactly the tables PostgreSQL lets it read (beside the
// marts computed from them).
func (s *seeded) assertCaller(t *testing.T, name string, tables []string) {
	fctx, err := s.flight.Client.AuthenticateBasicToken(context.Background(), "parity", s.tokens[name])
	if err != nil {
		t.Fatal(err)
	}
	var readable []string
	var rowsSeen int
	for _, tbl := range tables {
		t.Run(tbl, func(t *testing.T) {
			n, ok := s.assertTable(t, name, fctx, tbl)
			if ok {
				readable = append(readable, tbl)
				rowsSeen += n
			}
		})
	}
	t.Logf("%s reads %d tables, %d rows", name, len(readable), rowsSeen)
	info, err := s.flight.GetTables(fctx, &flightsql.GetTablesOpts{})
	if err != nil {
		t.Fatalf("GetTables: %v", err)
	}
	listed := flightStrings(t, fctx, s.flight, info)
	var got []string
	for _, r := range listed {
		if r[1] != "mart_view" { // the marts computed from the caller's views
			got = append(got, r[1]+"."+r[2])
		}
	}
	sort.Strings(got)
	if !slices.Equal(got, readable) {
		t.Errorf("GetTables lists %v\nPostgreSQL lets %s read %v", got, name, readable)
	}
}

// pgColumn is a column of a published table with its PostgreSQL type
// (kind is pg_type.typtype: 'e' enum, 'r' range, …).
type pgColumn struct{ name, typ, format, kind string }

// render is the column as text both engines spell alike: numbers without
// a declared scale and floats in thousandths, timestamps in microseconds
// since the epoch, bytes in hex, arrays as JSON, ranges as their bounds
// and brackets (a typed struct in the warehouse), everything else as its
// text.
func (c pgColumn) render() (pg, duck string) {
	q := `"` + c.name + `"`
	pg, duck = q, q
	switch {
	case c.kind == "r":
		pg = "CASE WHEN isempty(" + q + ") THEN 'empty' ELSE concat_ws('|', " +
			"coalesce((extract(epoch FROM lower(" + q + ")) * 1000000)::bigint::text, '-'), " +
			"coalesce((extract(epoch FROM upper(" + q + ")) * 1000000)::bigint::text, '-'), " +
			"CASE WHEN lower_inc(" + q + ") THEN '[' ELSE '(' END || CASE WHEN upper_inc(" + q + ") THEN ']' ELSE ')' END) END"
		duck = "CASE WHEN " + q + ".bounds = 'empty' THEN 'empty' ELSE concat_ws('|', " +
			"coalesce(CAST(epoch_us(" + q + ".lower) AS VARCHAR), '-'), coalesce(CAST(epoch_us(" + q + ".upper) AS VARCHAR), '-'), " +
			q + ".bounds) END"
	case c.typ == "numeric" && c.format == "numeric", c.typ == "float4", c.typ == "float8":
		pg, duck = "round("+q+"::float8 * 1000)::bigint", "CAST(round("+q+" * 1000) AS BIGINT)"
	case c.typ == "timestamp", c.typ == "timestamptz":
		pg, duck = "(extract(epoch FROM "+q+") * 1000000)::bigint", "epoch_us("+q+")"
	case c.typ == "bytea":
		pg, duck = "encode("+q+", 'hex')", "lower(hex("+q+"))"
	case strings.HasPrefix(c.typ, "_"): // an array: a typed list in DuckDB
		pg, duck = "array_to_json("+q+")", "to_json("+q+")"
	}
	return "coalesce((" + pg + ")::text, '<null>')", "coalesce(CAST(" + duck + " AS VARCHAR), '<null>')"
}

func (s *seeded) publishedTables(t *testing.T) []string {
	t.Helper()
	rows, err := s.admin.Query(context.Background(),
		`SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = 'cch_pub' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

func (s *seeded) columns(t *testing.T, table string) []pgColumn {
	t.Helper()
	rows, err := s.admin.Query(context.Background(), `SELECT a.attname::text, t.typname::text, format_type(a.atttypid, a.atttypmod), t.typtype::text
		FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, table)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgColumn, error) {
		var c pgColumn
		return c, r.Scan(&c.name, &c.typ, &c.format, &c.kind)
	})
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

// assertTable compares one table for one caller and reports the rows it
// saw and whether the caller may read the table at all.
func (s *seeded) assertTable(t *testing.T, name string, fctx context.Context, table string) (int, bool) {
	cols := s.columns(t, table)
	visible, pgRows := s.pgSide(t, s.callers[name], table, cols)
	probe := s.sql(name, "SELECT * FROM "+table+" LIMIT 0")
	if len(visible) == 0 {
		if probe.status != http.StatusForbidden {
			t.Fatalf("PostgreSQL lets %s read nothing of %s; /v1/sql answers %d: %s", name, table, probe.status, probe.body)
		}
		return 0, false
	}
	got := decode(t, probe)
	var duckCols []string
	for _, c := range got.Columns {
		duckCols = append(duckCols, c.Name)
	}
	if !slices.Equal(duckCols, names(visible)) {
		t.Fatalf("columns: PostgreSQL %v, warehouse %v", names(visible), duckCols)
	}
	exprs := make([]string, len(visible))
	for i, c := range visible {
		_, exprs[i] = c.render()
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + table
	httpRows := joinRows(decode(t, s.sql(name, q)).Rows)
	assertSameRows(t, "/v1/sql", pgRows, httpRows)
	info, err := s.flight.Execute(fctx, q)
	if err != nil {
		t.Fatalf("flight: %v", err)
	}
	var flightRows []string
	for _, r := range flightStrings(t, fctx, s.flight, info) {
		flightRows = append(flightRows, strings.Join(r, "\x1f"))
	}
	assertSameRows(t, "Flight SQL", pgRows, flightRows)
	return len(pgRows), true
}

// pgSide runs as the caller in PostgreSQL, through the API's transaction
// (SET LOCAL ROLE and the app.* context): it finds the columns the role
// may select by trying each, then reads the rows row-level security lets
// it see.
func (s *seeded) pgSide(t *testing.T, p oltp.Principal, table string, cols []pgColumn) (visible []pgColumn, rows []string) {
	t.Helper()
	ctx := context.Background()
	_, err := oltp.InTx(ctx, s.pool, p, "parity", true, func(tx pgx.Tx) error {
		for _, c := range cols {
			sp, err := tx.Begin(ctx)
			if err != nil {
				return err
			}
			_, err = sp.Exec(ctx, `SELECT "`+c.name+`" FROM `+table+` LIMIT 0`)
			var pe *pgconn.PgError
			switch {
			case err == nil:
				visible = append(visible, c)
			case errors.As(err, &pe) && pe.Code == "42501": // insufficient_privilege
			default:
				return err
			}
			if err := sp.Rollback(ctx); err != nil {
				return err
			}
		}
		if len(visible) == 0 {
			return nil
		}
		exprs := make([]string, len(visible))
		for i, c := range visible {
			exprs[i], _ = c.render()
		}
		r, err := tx.Query(ctx, "SELECT concat_ws(E'\\x1f', "+strings.Join(exprs, ", ")+") FROM "+table)
		if err != nil {
			return err
		}
		rows, err = pgx.CollectRows(r, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatalf("PostgreSQL as %s: %v", p.Role, err)
	}
	return visible, rows
}

func (s *seeded) sql(name, query string) response {
	return doSQL(s.url, s.tokens[name], query)
}

func names(cs []pgColumn) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return out
}

func joinRows(rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		parts := make([]string, len(r))
		for j, v := range r {
			parts[j] = fmt.Sprint(v)
		}
		out[i] = strings.Join(parts, "\x1f")
	}
	return out
}

func assertSameRows(t *testing.T, via string, want, got []string) {
	t.Helper()
	want, got = slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))
	if slices.Equal(want, got) {
		return
	}
	t.Errorf("%s: PostgreSQL %d rows, warehouse %d rows", via, len(want), len(got))
	for i := 0; i < len(want) || i < len(got); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Errorf("first difference at row %d:\n  PostgreSQL %q\n  warehouse  %q", i, w, g)
			return
		}
	}
}

// flightStrings fetches a Flight SQL answer of string columns.
func flightStrings(t *testing.T, ctx context.Context, cl *flightsql.Client, info *aflight.FlightInfo) [][]string {
	t.Helper()
	var out [][]string
	for _, ep := range info.GetEndpoint() {
		rdr, err := cl.DoGet(ctx, ep.Ticket)
		if err != nil {
			t.Fatalf("flight DoGet: %v", err)
		}
		for rdr.Next() {
			rec := rdr.RecordBatch()
			for i := 0; i < int(rec.NumRows()); i++ {
				row := make([]string, rec.NumCols())
				for c := range row {
					if col, ok := rec.Column(c).(*array.String); ok {
						row[c] = col.Value(i)
					} else {
						row[c] = rec.Column(c).ValueStr(i)
					}
				}
				out = append(out, row)
			}
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			t.Fatalf("flight read: %v", err)
		}
	}
	return out
}

// doSQL posts query to /v1/sql with token and reads the answer.
func doSQL(base, token, query string) response {
	b, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/sql", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{status: 0, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, body}
}
