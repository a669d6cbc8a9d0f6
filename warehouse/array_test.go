package warehouse_test

import (
	"path/filepath"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// TestArrayMirrorFromText: a warehouse file that mirrored an array as
// PostgreSQL's text form (VARCHAR) converts it to a typed list when the
// table's shape next changes, old rows included.
func TestArrayMirrorFromText(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgConnect(t, url)
	pgExec(t, conn, `CREATE TABLE public.marker (id int PRIMARY KEY, v int);
		CREATE TABLE public.arr (id int PRIMARY KEY, tags text[]);
		INSERT INTO public.arr VALUES (1, '{a,"b c",NULL}'), (2, '{}'), (3, NULL), (4, '{"q\"r",it''s}')`)
	const name = "array_text"
	dropSlot(t, url, name)
	db := openDuck(t, filepath.Join(t.TempDir(), "wh.duckdb"))
	defer db.Close()
	p := startPipeline(t, db, testConfig(url, name))
	waitMarker(t, conn, db, 1)
	p.stop()
	// Make the mirror what an older release wrote: the text form in VARCHAR.
	for _, q := range []string{
		"ALTER TABLE public.arr ALTER tags SET DATA TYPE VARCHAR",
		`UPDATE public.arr SET tags = CASE id WHEN 1 THEN '{a,"b c",NULL}' WHEN 2 THEN '{}' WHEN 4 THEN '{"q\"r",it''s}' END`,
		"UPDATE _cch.mirrors SET columns = replace(CAST(columns AS VARCHAR), 'VARCHAR[]', 'VARCHAR') WHERE table_name = 'arr'",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	p = startPipeline(t, db, testConfig(url, name))
	defer p.stop()
	pgExec(t, conn, `ALTER TABLE public.arr ADD COLUMN more int[]; INSERT INTO public.arr VALUES (5, '{new}', '{1,NULL,3}')`)
	waitMarker(t, conn, db, 2)
	got := dump(t, db, "SELECT id, typeof(tags), CAST(to_json(tags) AS VARCHAR), typeof(more), CAST(to_json(more) AS VARCHAR) FROM public.arr ORDER BY id")
	want := `1|VARCHAR[]|["a","b c",null]|INTEGER[]|<nil>
2|VARCHAR[]|[]|INTEGER[]|<nil>
3|VARCHAR[]|<nil>|INTEGER[]|<nil>
4|VARCHAR[]|["q\"r","it's"]|INTEGER[]|<nil>
5|VARCHAR[]|["new"]|INTEGER[]|[1,null,3]
`
	if got != want {
		t.Errorf("mirror after the rebuild:\n%s\nwant:\n%s", got, want)
	}
}
