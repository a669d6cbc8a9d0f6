package warehouse_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// ddlType is a column type of the generated DDL test with a value
// expression over the row number g.
type ddlType struct{ name, value string }

var ddlTypes = []ddlType{
	{"int4", "(g * 37) % 1000"},
	{"int8", "g * 1000003"},
	{"numeric(12,3)", "(g * 7.123)::numeric(12,3)"},
	{"float8", "g / 7.0::float8"},
	{"text", "'t' || g"},
	{"bool", "g % 2 = 0"},
	{"date", "date '2020-01-01' + g"},
	{"timestamptz", "timestamptz '2024-01-01 00:00:00+00' + g * interval '1.5 seconds'"},
	{"interval", "make_interval(months => g % 13, days => g % 5, secs => g / 3.0)"},
	{"jsonb", "jsonb_build_object('g', g)"},
	{"uuid", "md5(g::text)::uuid"},
	{"bytea", "decode(md5(g::text), 'hex')"},
}

// ddlTable is the test's model of a source table: its columns (after id).
type ddlTable struct {
	name string
	cols []string
	typ  map[string]ddlType
}

// ddlGen generates the DDL test's random statements.
type ddlGen struct {
	r      *rand.Rand
	tables []*ddlTable
	seq    int // names of new tables and columns
	rowID  int
	// changed is the table the last step changed.
	changed *ddlTable
	dropped []string
}

func (g *ddlGen) name(prefix string) string { g.seq++; return fmt.Sprintf("%s%d", prefix, g.seq) }

func (g *ddlGen) newTable() (*ddlTable, string) {
	t := &ddlTable{name: g.name("t"), typ: map[string]ddlType{}}
	defs := []string{"id int PRIMARY KEY"}
	for range 1 + g.r.IntN(3) {
		c, ty := g.name("c"), ddlTypes[g.r.IntN(len(ddlTypes))]
		t.cols, t.typ[c] = append(t.cols, c), ty
		defs = append(defs, c+" "+ty.name)
	}
	g.tables = append(g.tables, t)
	return t, fmt.Sprintf("CREATE TABLE public.%s (%s)", t.name, strings.Join(defs, ", "))
}

// insert returns an INSERT of n new rows into t.
func (g *ddlGen) insert(t *ddlTable, n int) string {
	names, vals := []string{"id"}, []string{"g"}
	for _, c := range t.cols {
		names = append(names, c)
		vals = append(vals, t.typ[c].value)
	}
	from := g.rowID + 1
	g.rowID += n
	return fmt.Sprintf("INSERT INTO public.%s (%s) SELECT %s FROM generate_series(%d, %d) g",
		t.name, strings.Join(names, ", "), strings.Join(vals, ", "), from, g.rowID)
}

// dml returns a few random inserts, updates and deletes on t.
func (g *ddlGen) dml(t *ddlTable) []string {
	out := []string{g.insert(t, 1+g.r.IntN(40))}
	if len(t.cols) > 0 {
		c := t.cols[g.r.IntN(len(t.cols))]
		out = append(out, fmt.Sprintf("UPDATE public.%s SET %s = (SELECT %s FROM (SELECT id + %d AS g) x) WHERE id %% 3 = %d",
			t.name, c, t.typ[c].value, g.r.IntN(1000), g.r.IntN(3)))
	}
	return append(out, fmt.Sprintf("DELETE FROM public.%s WHERE id %% 11 = %d", t.name, g.r.IntN(11)))
}

// step returns one random schema change (with what it did) and keeps the
// model in step; g.changed is the table it changed, nil when it dropped
// one.
func (g *ddlGen) step() (string, []string) {
	t := g.tables[g.r.IntN(len(g.tables))]
	g.changed = t
	pick := func() string { return t.cols[g.r.IntN(len(t.cols))] }
	k := g.r.IntN(9)
	switch {
	case k == 0 || len(g.tables) < 2:
		nt, sql := g.newTable()
		g.changed = nt
		return "new table " + nt.name, []string{sql, g.insert(nt, 20)}
	case k == 1 && len(g.tables) > 2:
		g.tables = slices.DeleteFunc(g.tables, func(x *ddlTable) bool { return x == t })
		g.changed, g.dropped = nil, append(g.dropped, t.name)
		return "drop table " + t.name, []string{"DROP TABLE public." + t.name}
	case k == 2 || len(t.cols) == 0:
		c, ty := g.name("c"), ddlTypes[g.r.IntN(len(ddlTypes))]
		t.cols, t.typ[c] = append(t.cols, c), ty
		return "add " + c + " " + ty.name, []string{fmt.Sprintf("ALTER TABLE public.%s ADD COLUMN %s %s", t.name, c, ty.name)}
	case k == 3:
		c, ty := g.name("c"), ddlTypes[g.r.IntN(len(ddlTypes))]
		t.cols, t.typ[c] = append(t.cols, c), ty
		def := strings.ReplaceAll(ty.value, "g", strconv.Itoa(g.r.IntN(100)))
		if g.r.IntN(3) == 0 && (ty.name == "int4" || ty.name == "int8") {
			def = "(random() * 1000)::int" // volatile: PostgreSQL rewrites the table
		}
		return "add with default " + c, []string{fmt.Sprintf("ALTER TABLE public.%s ADD COLUMN %s %s DEFAULT %s", t.name, c, ty.name, def)}
	case k == 4:
		c := pick()
		t.cols = slices.DeleteFunc(t.cols, func(x string) bool { return x == c })
		return "drop " + c, []string{fmt.Sprintf("ALTER TABLE public.%s DROP COLUMN %s", t.name, c)}
	case k == 5:
		c, n := pick(), g.name("c")
		t.cols[slices.Index(t.cols, c)], t.typ[n] = n, t.typ[c]
		return "rename " + c + " to " + n, []string{fmt.Sprintf("ALTER TABLE public.%s RENAME COLUMN %s TO %s", t.name, c, n)}
	case k == 6:
		c := pick()
		targets := []struct{ typ, using string }{{"text", "%s::text"}, {"int8", "length(%s::text)"}, {"numeric(12,3)", "length(%s::text) / 3.0"}}
		to := targets[g.r.IntN(len(targets))]
		t.typ[c] = ddlType{to.typ, map[string]string{"text": "'r' || g", "int8": "g % 97", "numeric(12,3)": "g / 8.0"}[to.typ]}
		return "retype " + c + " to " + to.typ, []string{fmt.Sprintf("ALTER TABLE public.%s ALTER COLUMN %[2]s DROP DEFAULT, ALTER COLUMN %[2]s TYPE %s USING %s",
			t.name, c, to.typ, fmt.Sprintf(to.using, c))}
	case k == 7:
		return "truncate " + t.name, []string{"TRUNCATE public." + t.name}
	}
	return "dml on " + t.name, g.dml(t)
}

// TestGeneratedDDL: seeded random sequences of schema changes — add,
// drop, rename and retype columns, add with a default (volatile ones
// included), new and dropped tables, truncates — interleaved with inserts,
// updates and deletes, sometimes in the schema change's transaction.
// After every step — once the changed table has had a change, which is when
// pgoutput announces its new shape — each source table and its mirror
// agree exactly on every column (CCH_DDL_SEED picks another sequence);
// after a restart the mirrors of dropped tables are gone.
func TestGeneratedDDL(t *testing.T) {
	seed := uint64(1)
	if s, err := strconv.ParseUint(os.Getenv("CCH_DDL_SEED"), 10, 64); err == nil {
		seed = s
	}
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	g := &ddlGen{r: rand.New(rand.NewPCG(seed, 11))}
	pgExec(t, conn, "CREATE TABLE public.marker (id int PRIMARY KEY, v int)")
	for range 2 {
		tb, sql := g.newTable()
		pgExec(t, conn, sql)
		pgExec(t, conn, g.insert(tb, 50))
	}
	const name = "generated_ddl"
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	steps := 30
	if testing.Short() {
		steps = 10
	}
	for i := 1; i <= steps; i++ {
		what, stmts := g.step()
		// pgoutput announces a table's new shape with its next change:
		// the changed table (or another, after a drop) gets one.
		tb := g.changed
		if tb == nil {
			tb = g.tables[g.r.IntN(len(g.tables))]
		}
		if g.r.IntN(2) == 0 { // DML in the same transaction as the change
			stmts = append(stmts, g.dml(tb)...)
			pgExec(t, conn, "BEGIN; "+strings.Join(stmts, "; ")+"; COMMIT")
		} else {
			pgExec(t, conn, "BEGIN; "+strings.Join(stmts, "; ")+"; COMMIT")
			pgExec(t, conn, "BEGIN; "+strings.Join(g.dml(tb), "; ")+"; COMMIT")
		}
		waitMarker(t, conn, db, i)
		for _, tb := range g.tables {
			if err := same(conn, db, "public."+tb.name, renderings(t, conn, "public."+tb.name)); err != nil {
				t.Fatalf("seed %d, step %d (%s): %v", seed, i, what, err)
			}
		}
		t.Logf("step %d: %s", i, what)
	}
	// pgoutput announces no drop: a restarted warehouse drops the mirrors
	// of tables the source no longer has.
	p.stop()
	p = startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	waitMarker(t, conn, db, steps+1)
	for _, d := range g.dropped {
		if mirrored(t, db, d) {
			t.Errorf("seed %d: the mirror of dropped table %s is still there", seed, d)
		}
	}
	if len(g.dropped) == 0 {
		t.Logf("seed %d dropped no table", seed)
	}
}
