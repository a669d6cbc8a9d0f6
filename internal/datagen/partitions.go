package datagen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ensurePartitions makes sure every monthly partition in [from, to)
// exists. It calls the schema's core.ensure_partitions when the
// migrations define it (adapting to its argument list), and otherwise
// creates <table>_pYYYYMM partitions itself. Creating partitions locks
// their parent tables; should that deadlock with another session (a CDC
// snapshot starting at the same time), the call is repeated: it is
// idempotent, and the other session has gone by then.
func ensurePartitions(ctx context.Context, conn *pgx.Conn, from, to time.Time) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var pgErr *pgconn.PgError
		if err = ensurePartitionsOnce(ctx, conn, from, to); !errors.As(err, &pgErr) || pgErr.Code != "40P01" {
			return err
		}
	}
	return err
}

func ensurePartitionsOnce(ctx context.Context, conn *pgx.Conn, from, to time.Time) error {
	var sig, kind string
	err := conn.QueryRow(ctx, `
		SELECT pg_get_function_identity_arguments(p.oid), p.prokind::text
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'core' AND p.proname = 'ensure_partitions'
		ORDER BY p.pronargs DESC LIMIT 1`).Scan(&sig, &kind)
	if err == pgx.ErrNoRows {
		return createPartitions(ctx, conn, from, to)
	}
	if err != nil {
		return fmt.Errorf("datagen: look up core.ensure_partitions: %w", err)
	}
	verb := "SELECT"
	if kind == "p" {
		verb = "CALL"
	}
	types := argTypes(sig)
	months := monthsBetween(from, to)
	switch {
	case len(types) >= 1 && len(types) <= 2 && types[0] == "integer" && (len(types) == 1 || types[1] == "integer"):
		err = callRelative(ctx, conn, verb, len(types), from, to)
	case len(types) == 2 && isTime(types[0]) && isTime(types[1]):
		_, err = conn.Exec(ctx, verb+` core.ensure_partitions($1::`+types[0]+`, $2::`+types[1]+`)`, from.UTC(), to.UTC())
	case len(types) == 2 && isTime(types[0]) && types[1] == "integer":
		_, err = conn.Exec(ctx, verb+` core.ensure_partitions($1::`+types[0]+`, $2)`, from.UTC(), months)
	case len(types) == 3 && (types[0] == "regclass" || types[0] == "text") && isTime(types[1]) && isTime(types[2]):
		err = forEachPartitioned(ctx, conn, func(table string) error {
			_, err := conn.Exec(ctx, verb+` core.ensure_partitions($1::`+types[0]+`, $2::`+types[1]+`, $3::`+types[2]+`)`, table, from.UTC(), to.UTC())
			return err
		})
	default:
		return fmt.Errorf("datagen: core.ensure_partitions(%s): unexpected arguments, want (from, to)", sig)
	}
	if err != nil {
		return fmt.Errorf("datagen: core.ensure_partitions: %w", err)
	}
	return nil
}

// callRelative calls core.ensure_partitions(months_ahead[, months_back]),
// whose months count from the server's current month.
func callRelative(ctx context.Context, conn *pgx.Conn, verb string, nargs int, from, to time.Time) error {
	var now time.Time
	if err := conn.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
		return err
	}
	now = now.UTC()
	ahead := max(0, monthsBetween(now, to))
	back := max(0, monthsBetween(from, now))
	if nargs == 1 {
		_, err := conn.Exec(ctx, verb+` core.ensure_partitions($1)`, ahead)
		return err
	}
	_, err := conn.Exec(ctx, verb+` core.ensure_partitions($1, $2)`, ahead, back)
	return err
}

// argTypes turns "p_from date, p_to timestamp with time zone" into
// ["date", "timestamp with time zone"].
func argTypes(sig string) []string {
	var out []string
	for _, a := range strings.Split(sig, ",") {
		f := strings.Fields(strings.TrimSpace(a))
		if len(f) == 0 {
			continue
		}
		if len(f) > 1 && !isTypeWord(f[0]) {
			f = f[1:] // drop the parameter name
		}
		out = append(out, strings.Join(f, " "))
	}
	return out
}

func isTypeWord(s string) bool {
	switch s {
	case "date", "timestamp", "timestamptz", "integer", "regclass", "text":
		return true
	}
	return false
}

func isTime(t string) bool {
	return t == "date" || strings.HasPrefix(t, "timestamp")
}

func monthsBetween(from, to time.Time) int {
	return (to.Year()-from.Year())*12 + int(to.Month()-from.Month()) + 1
}

func forEachPartitioned(ctx context.Context, conn *pgx.Conn, f func(table string) error) error {
	rows, err := conn.Query(ctx, `
		SELECT format('%I.%I', n.nspname, c.relname)
		FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit') AND NOT c.relispartition
		ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("list partitioned tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list partitioned tables: %w", err)
	}
	for _, t := range tables {
		if err := f(t); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	return nil
}

// createPartitions is the fallback when the schema has no partition
// helper: monthly UTC ranges named <table>_pYYYYMM.
func createPartitions(ctx context.Context, conn *pgx.Conn, from, to time.Time) error {
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	return forEachPartitioned(ctx, conn, func(table string) error {
		for m := first; m.Before(to); m = m.AddDate(0, 1, 0) {
			name := pgx.Identifier{strings.Split(table, ".")[0], strings.Split(table, ".")[1] + m.Format("_p200601")}
			stmt := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')",
				name.Sanitize(), table, m.Format(time.RFC3339), m.AddDate(0, 1, 0).Format(time.RFC3339))
			if _, err := conn.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
}
