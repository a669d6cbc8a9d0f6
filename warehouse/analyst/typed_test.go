package analyst_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// testTypedColumns: PostgreSQL enums reach an ADBC client as Arrow
// dictionaries of their labels and ranges as structs of their bounds (in
// a query's answer and in the catalogue's table schema), with the values
// PostgreSQL holds; a label added in PostgreSQL while the warehouse
// streams reaches clients once the views are derived again, and until
// then a row holding it fails the query rather than reading as NULL.
func testTypedColumns(t *testing.T, s *stack, cn adbc.Connection) {
	ctx := context.Background()
	t.Run("an enum is a dictionary of its labels", func(t *testing.T) {
		rec := adbcQuery(t, cn, fmt.Sprintf("SELECT kind FROM core.customer WHERE id = %d", s.env.Fix.Customer))
		defer rec.Release()
		dt, ok := rec.Schema().Field(0).Type.(*arrow.DictionaryType)
		if !ok || dt.ValueType.ID() != arrow.STRING {
			t.Fatalf("core.customer.kind arrives as %v", rec.Schema().Field(0).Type)
		}
		dict := rec.Column(0).(*array.Dictionary)
		values := dict.Dictionary().(*array.String)
		if got := values.Value(dict.GetValueIndex(0)); got != "person" {
			t.Errorf("kind %q, want person", got)
		}
		var all []string
		for i := 0; i < values.Len(); i++ {
			all = append(all, values.Value(i))
		}
		if want := pgLabels(t, s, "core.customer_kind"); strings.Join(all, ",") != want {
			t.Errorf("dictionary %v, PostgreSQL's labels %s", all, want)
		}
	})
	t.Run("a range is a struct of its bounds", func(t *testing.T) {
		var lo, hi time.Time
		var bounds string
		if err := s.env.Admin.QueryRow(ctx, `SELECT lower(period), upper(period),
			CASE WHEN lower_inc(period) THEN '[' ELSE '(' END || CASE WHEN upper_inc(period) THEN ']' ELSE ')' END
			FROM core.staff_shift ORDER BY id LIMIT 1`).Scan(&lo, &hi, &bounds); err != nil {
			t.Fatal(err)
		}
		rec := adbcQuery(t, cn, "SELECT period FROM core.staff_shift ORDER BY id LIMIT 1")
		defer rec.Release()
		st, ok := rec.Schema().Field(0).Type.(*arrow.StructType)
		if !ok || st.NumFields() != 3 {
			t.Fatalf("core.staff_shift.period arrives as %v", rec.Schema().Field(0).Type)
		}
		col := rec.Column(0).(*array.Struct)
		for i, want := range []string{"lower", "upper", "bounds"} {
			if st.Field(i).Name != want {
				t.Fatalf("field %d is %s, want %s", i, st.Field(i).Name, want)
			}
		}
		if ts, ok := st.Field(0).Type.(*arrow.TimestampType); !ok || ts.TimeZone == "" {
			t.Fatalf("lower bound arrives as %v, want a timestamp with time zone", st.Field(0).Type)
		}
		gotLo := col.Field(0).(*array.Timestamp).Value(0).ToTime(arrow.Microsecond)
		gotHi := col.Field(1).(*array.Timestamp).Value(0).ToTime(arrow.Microsecond)
		if !gotLo.Equal(lo) || !gotHi.Equal(hi) || col.Field(2).(*array.String).Value(0) != bounds {
			t.Errorf("period {%s, %s, %s}, PostgreSQL [%s, %s, %s]", gotLo, gotHi, col.Field(2).ValueStr(0), lo, hi, bounds)
		}
	})
	t.Run("the catalogue's table schema is typed", func(t *testing.T) {
		schema := "core"
		sch, err := cn.GetTableSchema(ctx, nil, &schema, "staff_shift")
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := sch.FieldsByName("period"); !ok || f[0].Type.ID() != arrow.STRUCT {
			t.Errorf("core.staff_shift.period in the table schema: %v", f)
		}
		if sch, err = cn.GetTableSchema(ctx, nil, &schema, "customer"); err != nil {
			t.Fatal(err)
		}
		if f, ok := sch.FieldsByName("kind"); !ok || f[0].Type.ID() != arrow.DICTIONARY {
			t.Errorf("core.customer.kind in the table schema: %v", f)
		}
	})
	t.Run("/v1/sql names the types and answers a range as an object", func(t *testing.T) {
		got := decode(t, s.do(t, "manager", "POST", "/v1/sql", map[string]string{
			"query": "SELECT c.kind, s.period FROM core.customer c, core.staff_shift s LIMIT 1"}, ""))
		if len(got.Columns) != 2 || !strings.HasPrefix(got.Columns[0].Type, "ENUM") || !strings.HasPrefix(got.Columns[1].Type, "STRUCT") {
			t.Fatalf("columns %+v", got.Columns)
		}
		if r, ok := got.Rows[0][1].(map[string]any); !ok || r["bounds"] != "[)" || r["lower"] == nil {
			t.Errorf("period reads %v", got.Rows[0][1])
		}
	})
	t.Run("a label added while streaming", func(t *testing.T) { testAddedLabel(t, s, cn) })
}

func testAddedLabel(t *testing.T, s *stack, cn adbc.Connection) {
	ctx := context.Background()
	if _, err := s.env.Admin.Exec(ctx, `ALTER TYPE finance.payment_method ADD VALUE 'wallet'`); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := s.env.Admin.QueryRow(ctx, `INSERT INTO finance.payment (organisation_id, branch_id, customer_id, method, amount)
		VALUES ($1, $2, $3, 'wallet', 12.5) RETURNING id`, s.env.Fix.Org, s.env.Fix.Branch, s.env.Fix.Customer).Scan(&id); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for { // the mirror holds the row
		var n int
		if err := s.svc.DB().QueryRow("SELECT count(*) FROM finance.payment WHERE id = ?", id).Scan(&n); err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("payment not mirrored")
		}
		time.Sleep(20 * time.Millisecond)
	}
	q := fmt.Sprintf("SELECT method FROM finance.payment WHERE id = %d", id)
	if r := s.do(t, "manager", "POST", "/v1/sql", map[string]string{"query": q}, ""); r.status == http.StatusOK {
		t.Fatalf("views of the old labels read the new one: %s", r.body)
	}
	if err := s.views.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	rec := adbcQuery(t, cn, q)
	defer rec.Release()
	dict, ok := rec.Column(0).(*array.Dictionary)
	if !ok {
		t.Fatalf("finance.payment.method arrives as %v", rec.Schema().Field(0).Type)
	}
	if got := dict.Dictionary().(*array.String).Value(dict.GetValueIndex(0)); got != "wallet" {
		t.Fatalf("method %q, want wallet", got)
	}
}

// adbcQuery runs query and returns its one record batch.
func adbcQuery(t *testing.T, cn adbc.Connection, query string) arrow.RecordBatch {
	t.Helper()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(query); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := st.ExecuteQuery(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatalf("%s: no batch (%v)", query, rdr.Err())
	}
	rec := rdr.RecordBatch()
	rec.Retain()
	if rec.NumRows() != 1 {
		t.Fatalf("%s: %d rows", query, rec.NumRows())
	}
	return rec
}

// pgLabels are an enum type's labels in PostgreSQL's order, joined by commas.
func pgLabels(t *testing.T, s *stack, typ string) string {
	t.Helper()
	var labels string
	if err := s.env.Admin.QueryRow(context.Background(), `SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder)
		FROM pg_enum WHERE enumtypid = $1::regtype`, typ).Scan(&labels); err != nil {
		t.Fatal(err)
	}
	return labels
}
