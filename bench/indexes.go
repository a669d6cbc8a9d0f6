package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp/workshop"
)

const indexSuite = "Critical-path queries with vs without purpose-built indexes"

// purposeBuilt are the indexes (and exclusion constraints, whose GiST
// indexes serve the overlap probes) that the critical paths were designed
// around; the "without" runs drop them inside a transaction that is rolled
// back.
var purposeBuilt = []string{
	"ALTER TABLE workshop.bay_reservation DROP CONSTRAINT bay_reservation_no_overlap",
	"ALTER TABLE workshop.technician_booking DROP CONSTRAINT technician_booking_no_overlap",
	"ALTER TABLE core.staff_shift DROP CONSTRAINT staff_shift_no_overlap",
	"DROP INDEX core.staff_shift_branch_idx",
	"DROP INDEX workshop.booking_branch_period_idx",
	"DROP INDEX workshop.repair_job_order_idx",
	"DROP INDEX workshop.labour_line_job_idx",
	"DROP INDEX workshop.part_line_job_idx",
	"DROP INDEX finance.invoice_repair_order_idx",
}

// criticalQuery is a query of a critical path with the arguments picked
// from the seeded data.
type criticalQuery struct {
	name, sql string
	args      []any
}

// invoiceSourceSQL is the source of oltp/finance's linesSQL (invoice
// generation) as a SELECT, without extra lines.
const invoiceSourceSQL = `
WITH jobs AS (
  SELECT rj.id, rj.concern, rj.sublet_cost FROM workshop.repair_job rj
  WHERE rj.repair_order_id = $1 AND rj.status IN ('approved', 'in_progress', 'done') AND rj.pay_type = 'customer'
)
SELECT 1 AS grp, j.id, ll.id, ll.sold_hours::numeric, ll.labour_rate, ll.sale_amount
FROM jobs j JOIN workshop.labour_line ll ON ll.repair_job_id = j.id
LEFT JOIN workshop.labour_operation lo ON lo.id = ll.labour_operation_id WHERE ll.sold_hours > 0
UNION ALL
SELECT 2, j.id, pl.id, pl.quantity, pl.unit_price, pl.sale_amount
FROM jobs j JOIN workshop.part_line pl ON pl.repair_job_id = j.id JOIN inventory.part pt ON pt.id = pl.part_id`

func pickCriticalQueries(ctx context.Context, conn *pgx.Conn) ([]criticalQuery, error) {
	var branch, bay, tech, ro int64
	var day time.Time
	var period string
	err := conn.QueryRow(ctx, `SELECT b.branch_id, (lower(b.period) AT TIME ZONE 'Europe/London')::date, r.bay_id, t.technician_id, b.period::text
		FROM workshop.booking b JOIN workshop.bay_reservation r ON r.booking_id = b.id JOIN workshop.technician_booking t ON t.booking_id = b.id
		ORDER BY b.id DESC LIMIT 1 OFFSET 500`).Scan(&branch, &day, &bay, &tech, &period)
	if err != nil {
		return nil, fmt.Errorf("pick a booking: %w", err)
	}
	err = conn.QueryRow(ctx, `SELECT rj.repair_order_id FROM workshop.repair_job rj JOIN workshop.labour_line ll ON ll.repair_job_id = rj.id
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&ro)
	if err != nil {
		return nil, fmt.Errorf("pick a repair order: %w", err)
	}
	dayStart := day
	return []criticalQuery{
		{"booking: availability (GET /v1/availability)", workshop.AvailabilitySQL, []any{branch, day, 60, dayStart}},
		{"booking: bay overlap probe (exclusion check)", `SELECT 1 FROM workshop.bay_reservation WHERE bay_id = $1 AND active AND period && $2::tstzrange LIMIT 1`, []any{bay, period}},
		{"booking: technician overlap probe (exclusion check)", `SELECT 1 FROM workshop.technician_booking WHERE technician_id = $1 AND active AND period && $2::tstzrange LIMIT 1`, []any{tech, period}},
		{"booking: branch day sheet", `SELECT id, period FROM workshop.booking WHERE branch_id = $1 AND lower(period) >= $2::date AND lower(period) < $2::date + 1`, []any{branch, day}},
		{"invoice: existing invoice of the repair order", `SELECT ro.branch_id, (SELECT i.id FROM finance.invoice i WHERE i.repair_order_id = ro.id AND i.status <> 'void' ORDER BY i.id LIMIT 1)
			FROM workshop.repair_order ro WHERE ro.id = $1`, []any{ro}},
		{"invoice: line source (labour + parts of the order's jobs)", invoiceSourceSQL, []any{ro}},
	}, nil
}

type planStats struct {
	ms      float64 // median execution time
	buffers int64   // shared hit + read of the top node
}

// explain runs EXPLAIN (ANALYZE, BUFFERS) reps times after one warm-up
// and returns the median execution time.
func explain(ctx context.Context, q pgx.Tx, cq criticalQuery, reps int) (planStats, error) {
	var times []float64
	var ps planStats
	for i := range reps + 1 {
		var out []byte
		if err := q.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+cq.sql, cq.args...).Scan(&out); err != nil {
			return ps, fmt.Errorf("%s: %w", cq.name, err)
		}
		var plan []struct {
			Plan struct {
				Hit  int64 `json:"Shared Hit Blocks"`
				Read int64 `json:"Shared Read Blocks"`
			}
			Exec float64 `json:"Execution Time"`
		}
		if err := json.Unmarshal(out, &plan); err != nil || len(plan) == 0 {
			return ps, fmt.Errorf("%s: plan: %v", cq.name, err)
		}
		if i > 0 {
			times = append(times, plan[0].Exec)
			ps.buffers = plan[0].Plan.Hit + plan[0].Plan.Read
		}
	}
	sort.Float64s(times)
	ps.ms = times[len(times)/2]
	return ps, nil
}

// Indexes measures each critical-path query with its indexes, then
// without them (dropped in a transaction that is rolled back).
func Indexes(ctx context.Context, seedURL string, log func(string, ...any)) ([]Figure, error) {
	conn, err := pgx.Connect(ctx, seedURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return nil, err
	}
	qs, err := pickCriticalQueries(ctx, conn)
	if err != nil {
		return nil, err
	}
	with, err := runExplains(ctx, conn, qs, nil)
	if err != nil {
		return nil, err
	}
	without, err := runExplains(ctx, conn, qs, purposeBuilt)
	if err != nil {
		return nil, err
	}
	var figs []Figure
	var sumWith, sumWithout, logSum float64
	for i, q := range qs {
		w, wo := with[i], without[i]
		sumWith, sumWithout = sumWith+w.ms, sumWithout+wo.ms
		figs = append(figs, Figure{Suite: indexSuite, Name: q.name, Value: w.ms, Unit: "ms", Baseline: wo.ms, BaseName: "without the indexes",
			Note: fmt.Sprintf("time %+.0f%%; buffers %s vs %s", 100*(w.ms/wo.ms-1), commas(w.buffers), commas(wo.buffers))})
		logSum += math.Log(w.ms / wo.ms)
	}
	log("indexes", "with_ms", sumWith, "without_ms", sumWithout)
	geo := math.Exp(logSum / float64(len(qs)))
	figs = append(figs, Figure{Suite: indexSuite, Name: "critical-path queries, geometric mean of the time ratios", Value: geo, Unit: "× (with ÷ without)",
		Target: "reduction shown; seed system claims −94%", Check: func(f Figure) bool { return f.Value <= 0.06 },
		Note: fmt.Sprintf("time %+.1f%% (geomean, each query weighed equally); summed time %.1f ms vs %.1f ms (%+.0f%%); median of 5 EXPLAIN (ANALYZE, BUFFERS) runs each, as superuser (no RLS); PASS = at least the claimed −94%%",
			100*(geo-1), sumWith, sumWithout, 100*(sumWith/sumWithout-1))})
	return figs, nil
}

func runExplains(ctx context.Context, conn *pgx.Conn, qs []criticalQuery, drop []string) ([]planStats, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	for _, d := range drop {
		if _, err := tx.Exec(ctx, d); err != nil {
			return nil, fmt.Errorf("%s: %w", d, err)
		}
	}
	var out []planStats
	for _, q := range qs {
		ps, err := explain(ctx, tx, q, 5)
		if err != nil {
			return nil, err
		}
		out = append(out, ps)
	}
	return out, nil
}
