package warehouse_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

type typeCase struct {
	name, pgType, value, duckType, duckExpr, want string
}

// textOnlyTypes have no binary decoder: a publication with them streams
// in text mode.
var textOnlyTypes = map[string]bool{"enum": true, "tstzrange": true, "int[]": true, "text[]": true, "text[] quoting": true, "empty text[]": true, "timestamptz[]": true, "time": true}

// TestTypeRoundTrip sends one value of every mapped type through real
// PostgreSQL → pgoutput → DuckDB and checks the mirror type and value, for
// the snapshot path (row 1) and the streaming path (row 2), in text mode
// (every type) and in binary mode (the types with a binary decoder).
func TestTypeRoundTrip(t *testing.T) {
	cases := []typeCase{
		{"bool", "bool", "true", "BOOLEAN", "CAST(c AS VARCHAR)", "true"},
		{"int2", "smallint", "-32768", "SMALLINT", "CAST(c AS VARCHAR)", "-32768"},
		{"int4", "int", "2147483647", "INTEGER", "CAST(c AS VARCHAR)", "2147483647"},
		{"int8", "bigint", "-9223372036854775808", "BIGINT", "CAST(c AS VARCHAR)", "-9223372036854775808"},
		{"float4", "real", "1.5", "FLOAT", "CAST(c AS VARCHAR)", "1.5"},
		{"float8", "float8", "0.1", "DOUBLE", "CAST(c AS VARCHAR)", "0.1"},
		{"numeric(12,2)", "numeric(12,2)", "1234567890.12", "DECIMAL(12,2)", "CAST(c AS VARCHAR)", "1234567890.12"},
		{"numeric(38,10)", "numeric(38,10)", "1234567890123456789012345678.0123456789", "DECIMAL(38,10)", "CAST(c AS VARCHAR)", "1234567890123456789012345678.0123456789"},
		{"numeric unbounded", "numeric", "12.25", "DOUBLE", "CAST(c AS VARCHAR)", "12.25"},
		{"text", "text", `'tab	nl\n "q" ü'`, "VARCHAR", "c", "tab\tnl\\n \"q\" ü"},
		{"varchar", "varchar(10)", "'abc'", "VARCHAR", "c", "abc"},
		{"date", "date", "'2024-02-29'", "DATE", "CAST(c AS VARCHAR)", "2024-02-29"},
		{"timestamp", "timestamp", "'2024-02-29 23:59:59.123456'", "TIMESTAMP", "CAST(c AS VARCHAR)", "2024-02-29 23:59:59.123456"},
		{"timestamptz", "timestamptz", "'2024-02-29 23:59:59.123456+02'", "TIMESTAMP WITH TIME ZONE", "CAST(epoch_us(c) AS VARCHAR)", "1709243999123456"},
		{"uuid", "uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "UUID", "CAST(c AS VARCHAR)", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"bytea", "bytea", `'\x00deadbeef'`, "BLOB", "lower(hex(c))", "00deadbeef"},
		{"jsonb", "jsonb", `'{"b": [1, 2], "a": "x"}'`, "JSON", "CAST(c AS VARCHAR)", `{"a": "x", "b": [1, 2]}`},
		{"json", "json", `'{"b":1}'`, "JSON", "CAST(c AS VARCHAR)", `{"b":1}`},
		{"enum", "rt_mood", "'meh'", "VARCHAR", "c", "meh"},
		{"tstzrange", "tstzrange", "'[2024-01-01 10:00+00,2024-01-01 11:00+00)'", "VARCHAR", "c", `["2024-01-01 10:00:00+00","2024-01-01 11:00:00+00")`},
		{"int[]", "int[]", "'{1,2,NULL}'", "INTEGER[]", "CAST(to_json(c) AS VARCHAR)", "[1,2,null]"},
		{"text[]", "text[]", `'{"a b",c}'`, "VARCHAR[]", "CAST(to_json(c) AS VARCHAR)", `["a b","c"]`},
		{"text[] quoting", "text[]", `E'{"x, y","q\\"r","s\\\\t",NULL,"NULL",it''s,"{}",""}'`, "VARCHAR[]", "CAST(to_json(c) AS VARCHAR)",
			`["x, y","q\"r","s\\t",null,"NULL","it's","{}",""]`},
		{"empty text[]", "text[]", `'{}'`, "VARCHAR[]", "CAST(to_json(c) AS VARCHAR)", `[]`},
		{"timestamptz[]", "timestamptz[]", `'{"2024-02-29 23:59:59+02"}'`, "TIMESTAMP WITH TIME ZONE[]", "CAST(epoch(c[1]) AS VARCHAR)", "1709243999.0"},
		{"interval", "interval", "'1 year 2 mons 3 days 04:05:06.789'", "INTERVAL", "CAST(c AS VARCHAR)", "1 year 2 months 3 days 04:05:06.789"},
		{"time", "time", "'12:34:56.5'", "TIME", "CAST(c AS VARCHAR)", "12:34:56.5"},
		{"null", "int", "NULL", "INTEGER", "coalesce(CAST(c AS VARCHAR), 'NULL')", "NULL"},
	}
	t.Run("text", func(t *testing.T) { roundTrip(t, cases, false) })
	var bin []typeCase
	for _, c := range cases {
		if !textOnlyTypes[c.name] {
			bin = append(bin, c)
		}
	}
	t.Run("binary", func(t *testing.T) { roundTrip(t, bin, true) })
}

func roundTrip(t *testing.T, cases []typeCase, binary bool) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, "CREATE TYPE rt_mood AS ENUM ('ok', 'meh'); CREATE TABLE public.marker (id int PRIMARY KEY, v int)")
	for i, c := range cases {
		pgExec(t, conn, "CREATE TABLE public."+tname(i)+" (id int PRIMARY KEY, c "+c.pgType+")")
		pgExec(t, conn, "INSERT INTO public."+tname(i)+" VALUES (1, "+c.value+")")
	}
	name := map[bool]string{false: "types_text", true: "types_binary"}[binary]
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	cfg := testConfig(url, name)
	cfg.TextOnly = !binary
	p := startPipeline(t, db, cfg)
	defer p.stop()
	if got := p.svc.Stream().Binary(); got != binary {
		t.Fatalf("stream binary mode = %v, want %v", got, binary)
	}
	for i, c := range cases {
		pgExec(t, conn, "INSERT INTO public."+tname(i)+" VALUES (2, "+c.value+")")
	}
	waitMarker(t, conn, db, 1)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var typ string
			q := "SELECT data_type FROM information_schema.columns WHERE table_name = ? AND column_name = 'c'"
			if err := db.QueryRow(q, tname(i)).Scan(&typ); err != nil {
				t.Fatal(err)
			}
			if typ != c.duckType {
				t.Errorf("type = %s, want %s", typ, c.duckType)
			}
			for id := 1; id <= 2; id++ {
				var got string
				if err := db.QueryRow("SELECT "+c.duckExpr+" FROM public."+tname(i)+" WHERE id = ?", id).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != c.want {
					t.Errorf("row %d = %q, want %q", id, got, c.want)
				}
			}
		})
	}
	if binary {
		// A table with a type binary mode cannot decode joins later: the
		// session ends at its relation message and the next one runs in
		// text mode, replaying from the applied position.
		pgExec(t, conn, "CREATE TABLE public.rt_late (id int PRIMARY KEY, m rt_mood); INSERT INTO public.rt_late VALUES (1, 'ok')")
		pgExec(t, conn, "INSERT INTO public."+tname(0)+" VALUES (3, "+cases[0].value+")")
		waitMarker(t, conn, db, 2)
		if p.svc.Stream().Binary() {
			t.Error("stream still in binary mode")
		}
		if got := dump(t, db, "SELECT m FROM public.rt_late"); got != "ok\n" {
			t.Errorf("rt_late = %q", got)
		}
	}
}

func tname(i int) string { return fmt.Sprintf("rt_%02d", i) }
