package datagen_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/datagen"
)

// small is the acceptance-test size: big enough for the analytics
// properties, small enough for a shared 2-core machine.
var small = datagen.Options{Seed: 7, Months: 4, Branches: 2, BookingsPerMonth: 400}

func seeded(t *testing.T, o datagen.Options) (*pgx.Conn, datagen.Stats) {
	t.Helper()
	url := migratedDatabase(t)
	ctx := context.Background()
	stats, err := datagen.Seed(ctx, url, o, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn, stats
}

// checksums is md5 per table over the columns the generator writes,
// except those the database maintains (see generatedColumns).
func checksums(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range datagen.Tables() {
		cols, err := generatedColumns(conn, table)
		if err != nil {
			t.Fatal(err)
		}
		q := fmt.Sprintf(`SELECT count(*) || ':' || coalesce(md5(string_agg(r, '|' ORDER BY r)), '')
			FROM (SELECT row(%s)::text AS r FROM %s) x`, cols, table)
		var sum string
		if err := conn.QueryRow(context.Background(), q).Scan(&sum); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out[table] = sum
	}
	return out
}

// generatedColumns are the columns the generator decides: not those the
// database maintains (updated_at, version) nor the customers' pseudonyms,
// keyed by a secret each database draws at random.
func generatedColumns(conn *pgx.Conn, table string) (string, error) {
	parts := strings.SplitN(table, ".", 2)
	rows, err := conn.Query(context.Background(), `
		SELECT quote_ident(column_name) FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = $2 AND column_name NOT IN ('updated_at', 'version', 'pseudonym')
		ORDER BY ordinal_position`, parts[0], parts[1])
	if err != nil {
		return "", err
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return strings.Join(cols, ", "), err
}

func TestSeedIsDeterministic(t *testing.T) {
	o := small
	o.Months = 2
	o.Anchor, o.FutureDays = time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC), 28
	a, statsA := seeded(t, o)
	b, statsB := seeded(t, o)
	if statsA.Total != statsB.Total || statsA.Total == 0 {
		t.Fatalf("row totals differ or are zero: %d vs %d", statsA.Total, statsB.Total)
	}
	sa, sb := checksums(t, a), checksums(t, b)
	for _, table := range datagen.Tables() {
		if sa[table] != sb[table] {
			t.Errorf("%s: checksum %s vs %s", table, sa[table], sb[table])
		}
		if strings.HasPrefix(sa[table], "0:") {
			t.Errorf("%s: no rows generated", table)
		}
	}
}

func TestSeedRefusesExistingData(t *testing.T) {
	o := datagen.Options{Seed: 3, Months: 1, Branches: 1, BookingsPerMonth: 40}
	url := migratedDatabase(t)
	ctx := context.Background()
	if _, err := datagen.Seed(ctx, url, o, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := datagen.Seed(ctx, url, o, nil); !errors.Is(err, datagen.ErrNotEmpty) {
		t.Fatalf("second seed: got %v, want ErrNotEmpty", err)
	}
	if seeded, err := datagen.SeedDemo(ctx, url, time.Now(), nil); err != nil || seeded {
		t.Fatalf("SeedDemo on a seeded database: seeded=%v err=%v", seeded, err)
	}
}

func TestSeedAuditSummary(t *testing.T) {
	o := datagen.Options{Seed: 5, Months: 1, Branches: 1, BookingsPerMonth: 60, Audit: datagen.AuditSummary}
	conn, stats := seeded(t, o)
	var bulk, perRow, broken int
	err := conn.QueryRow(context.Background(), `
		SELECT count(*) FILTER (WHERE action = 'BULK_LOAD'), count(*) FILTER (WHERE action = 'INSERT'),
		       (SELECT count(*) FROM audit.verify_chain())
		FROM audit.staff_audit_log`).Scan(&bulk, &perRow, &broken)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Total == 0 || bulk == 0 || perRow != 0 || broken != 0 {
		t.Errorf("rows %d, BULK_LOAD entries %d, per-row INSERT entries %d, broken links %d: want >0, >0, 0, 0",
			stats.Total, bulk, perRow, broken)
	}
	var disabled int
	if err := conn.QueryRow(context.Background(),
		`SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_capture' AND tgenabled = 'D'`).Scan(&disabled); err != nil {
		t.Fatal(err)
	}
	if disabled != 0 {
		t.Errorf("%d audit triggers left disabled", disabled)
	}
}

// TestDemoIsAnchoredToTheDay: history ends the day before the anchor, and
// the forward book (rosters of technicians and chauffeurs, bookings, rides)
// covers the four weeks from it.
func TestDemoIsAnchoredToTheDay(t *testing.T) {
	anchor := time.Date(2027, 3, 9, 0, 0, 0, 0, time.UTC)
	o := datagen.DemoOptions(anchor)
	o.Months, o.Branches, o.BookingsPerMonth = 2, 1, 120
	conn, _ := seeded(t, o)
	var lastHistory, firstBooked, lastBooked, lastTechShift, lastDriverShift, firstRide, lastRide time.Time
	err := conn.QueryRow(context.Background(), `
		SELECT (SELECT max(lower(period)) FROM workshop.booking WHERE status NOT IN ('booked', 'confirmed')),
		       (SELECT min(lower(period)) FROM workshop.booking WHERE status IN ('booked', 'confirmed')),
		       (SELECT max(lower(period)) FROM workshop.booking WHERE status IN ('booked', 'confirmed')),
		       (SELECT max(lower(s.period)) FROM core.staff_shift s JOIN core.staff_role r ON r.staff_id = s.staff_id AND r.role = 'technician'),
		       (SELECT max(lower(s.period)) FROM core.staff_shift s JOIN chauffeur.chauffeur c ON c.id = s.staff_id),
		       (SELECT min(pickup_at) FROM chauffeur.ride_booking WHERE status IN ('quoted', 'confirmed')),
		       (SELECT max(pickup_at) FROM chauffeur.ride_booking WHERE status IN ('quoted', 'confirmed'))`).
		Scan(&lastHistory, &firstBooked, &lastBooked, &lastTechShift, &lastDriverShift, &firstRide, &lastRide)
	if err != nil {
		t.Fatal(err)
	}
	london, _ := time.LoadLocation("Europe/London")
	start := time.Date(2027, 3, 9, 0, 0, 0, 0, london)
	end := start.AddDate(0, 0, 28)
	within := func(name string, at, lo, hi time.Time) {
		t.Helper()
		if at.Before(lo) || !at.Before(hi) {
			t.Errorf("%s %s: want within [%s, %s)", name, at.In(london), lo, hi)
		}
	}
	within("last booking of history", lastHistory, start.AddDate(0, 0, -3), start)
	within("first forward booking", firstBooked, start, start.AddDate(0, 0, 2))
	within("last forward booking", lastBooked, end.AddDate(0, 0, -7), end)
	within("last technician shift", lastTechShift, end.AddDate(0, 0, -3), end)
	within("last chauffeur shift", lastDriverShift, end.AddDate(0, 0, -3), end)
	within("first forward ride", firstRide, start, start.AddDate(0, 0, 1))
	within("last forward ride", lastRide, start.AddDate(0, 0, 3), start.AddDate(0, 0, 10))
}
