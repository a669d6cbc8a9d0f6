package warehouse_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

const schemaSQL = `
CREATE TYPE mood AS ENUM ('ok', 'meh', 'bad');
CREATE TABLE public.kinds (
  id bigint PRIMARY KEY, i2 smallint, i4 int, n numeric(12,2), nu numeric, f8 float8, b bool,
  t text, big text, d date, ts timestamp, tstz timestamptz, u uuid, j jsonb, bin bytea,
  m mood, r tstzrange, arr int[], iv interval);
ALTER TABLE public.kinds ALTER COLUMN big SET STORAGE EXTERNAL; -- > 2 kB goes out of line, uncompressed
CREATE TABLE public.trunc (id int PRIMARY KEY, x text);
CREATE TABLE public.marker (id int PRIMARY KEY, v int);
`

// kindsRow returns SQL for a random kinds row with id expression id.
func kindsValues(r *rand.Rand, id string) string {
	big := "NULL"
	if r.IntN(4) == 0 {
		big = fmt.Sprintf("(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, %d))", 70+r.IntN(30))
	}
	return fmt.Sprintf(`%s, %d, %d, %d.%02d, %d.%03d, %d.5, %v, 'txt %d', %s, date '2020-01-01' + %d,
	  timestamp '2024-01-01 00:00:00' + interval '%d microseconds', timestamptz '2024-01-01 00:00:00+00' + interval '%d microseconds',
	  gen_random_uuid(), '{"k": %d, "a": [1, "x"]}', '\x%02x%02x', '%s', tstzrange(now(), now() + interval '1 hour'),
	  ARRAY[%d, %d], interval '%d days %d seconds'`,
		id, r.IntN(30000), r.Int32(), r.IntN(1e9), r.IntN(100), r.IntN(1e6), r.IntN(1000), r.IntN(1e6), r.IntN(2) == 0,
		r.IntN(1000), big, r.IntN(3000), r.Int64N(1e14), r.Int64N(1e14), r.IntN(100), r.IntN(256), r.IntN(256),
		[]string{"ok", "meh", "bad"}[r.IntN(3)], r.IntN(10), r.IntN(10), r.IntN(40), r.IntN(90000))
}

// workload runs n random transactions of inserts, updates (some leaving
// the TOASTed column untouched) and deletes on kinds and trunc.
func workload(t testing.TB, conn *pgx.Conn, r *rand.Rand, n int, nextID *int64) {
	t.Helper()
	for range n {
		var stmts []string
		for range 1 + r.IntN(5) {
			switch k := r.IntN(10); {
			case k < 4:
				*nextID++
				stmts = append(stmts, "INSERT INTO public.kinds VALUES ("+kindsValues(r, fmt.Sprint(*nextID))+")")
			case k < 6: // leaves big (TOASTed when set) untouched
				stmts = append(stmts, fmt.Sprintf("UPDATE public.kinds SET i4 = i4 + 1, t = 'upd' WHERE id %% 97 = %d", r.IntN(97)))
			case k < 7:
				stmts = append(stmts, fmt.Sprintf("UPDATE public.kinds SET big = repeat('z', 3000), n = n + 1 WHERE id = %d", 1+r.Int64N(*nextID+1)))
			case k < 8:
				stmts = append(stmts, fmt.Sprintf("DELETE FROM public.kinds WHERE id %% 211 = %d", r.IntN(211)))
			case k < 9:
				stmts = append(stmts, fmt.Sprintf("INSERT INTO public.trunc VALUES (%d, 'x') ON CONFLICT (id) DO UPDATE SET x = 'y'", r.IntN(1000)))
			default:
				stmts = append(stmts, fmt.Sprintf("UPDATE public.kinds SET id = id + 10000000 WHERE id = %d", 1+r.Int64N(*nextID+1)))
			}
		}
		pgExec(t, conn, "BEGIN; "+strings.Join(stmts, "; ")+"; COMMIT")
	}
}
