package marts_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/warehouse/export"
	"github.com/carcarehub/cch/warehouse/marts"
)

var genOptions = datagen.Options{Seed: 7, Months: 4, Branches: 2, BookingsPerMonth: 400,
	End: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)}

// pgHeadline computes a headline KPI on PostgreSQL, independently of the
// marts (PostgreSQL ranges and time zones, no shared SQL), keyed like key
// builds keys from the analytic's rows. $1 and $2 are the local dates
// [from, to).
var pgHeadline = []struct {
	analytic, column string
	keys             []string
	pg               string
}{
	{"technician_efficiency", "technician_efficiency", []string{"branch_id", "technician_id"}, `
		WITH tech AS (SELECT staff_id FROM core.staff_role WHERE role = 'technician'),
		applied AS (
		  SELECT e.branch_id, e.staff_id, sum(extract(epoch FROM upper(e.period) - lower(e.period)) / 3600) AS h
		  FROM core.time_clock_entry e JOIN core.branch b ON b.id = e.branch_id
		  WHERE e.organisation_id = 1 AND e.kind = 'job' AND NOT upper_inf(e.period)
		    AND (lower(e.period) AT TIME ZONE b.timezone)::date >= $1 AND (lower(e.period) AT TIME ZONE b.timezone)::date < $2
		    AND e.staff_id IN (SELECT staff_id FROM tech)
		  GROUP BY 1, 2),
		billed AS (
		  SELECT ll.branch_id, ll.technician_id AS staff_id, sum(ll.sold_hours) AS h
		  FROM workshop.labour_line ll
		  JOIN finance.invoice_line il ON il.labour_line_id = ll.id
		  JOIN finance.invoice i ON i.id = il.invoice_id AND i.status = 'issued'
		  JOIN core.branch b ON b.id = ll.branch_id
		  WHERE ll.organisation_id = 1 AND (i.issued_at AT TIME ZONE b.timezone)::date >= $1 AND (i.issued_at AT TIME ZONE b.timezone)::date < $2
		  GROUP BY 1, 2)
		SELECT a.branch_id || '/' || a.staff_id, (coalesce(bl.h, 0) / a.h)::float8
		FROM applied a LEFT JOIN billed bl USING (branch_id, staff_id) WHERE a.h > 0`},
	{"average_repair_order", "average_repair_order", []string{"branch_id"}, `
		SELECT ro.branch_id::text, (sum(x.revenue) / count(*))::float8
		FROM (SELECT i.repair_order_id, min(i.issued_at) AS at, sum(l.net_amount) - coalesce((SELECT sum(cn.net_amount)
		        FROM finance.credit_note cn JOIN finance.invoice ci ON ci.id = cn.invoice_id
		        WHERE ci.repair_order_id = i.repair_order_id AND ci.status = 'issued'), 0) AS revenue
		      FROM finance.invoice i JOIN finance.invoice_line l ON l.invoice_id = i.id
		      WHERE i.status = 'issued' AND i.repair_order_id IS NOT NULL GROUP BY 1) x
		JOIN workshop.repair_order ro ON ro.id = x.repair_order_id
		JOIN core.branch b ON b.id = ro.branch_id
		WHERE ro.organisation_id = 1 AND x.revenue <> 0
		  AND (x.at AT TIME ZONE b.timezone)::date >= $1 AND (x.at AT TIME ZONE b.timezone)::date < $2
		GROUP BY 1`},
	{"comeback_rate", "comeback_rate", []string{"branch_id"}, `
		SELECT ro.branch_id::text, avg(CASE WHEN EXISTS (
		    SELECT 1 FROM workshop.repair_job j
		    JOIN workshop.repair_job pj ON pj.job_category = j.job_category
		    JOIN workshop.repair_order p ON p.id = pj.repair_order_id
		    WHERE j.repair_order_id = ro.id AND p.vehicle_id = ro.vehicle_id AND p.id <> ro.id
		      AND p.status <> 'cancelled' AND pj.status NOT IN ('recommended', 'declined')
		      AND p.closed_at <= ro.opened_at AND ro.opened_at < p.closed_at + interval '30 days')
		  THEN 1.0 ELSE 0.0 END)::float8
		FROM workshop.repair_order ro JOIN core.branch b ON b.id = ro.branch_id
		WHERE ro.organisation_id = 1 AND ro.closed_at IS NOT NULL AND ro.status <> 'cancelled'
		  AND (ro.closed_at AT TIME ZONE b.timezone)::date >= $1 AND (ro.closed_at AT TIME ZONE b.timezone)::date < $2
		GROUP BY 1`},
	{"high_value_customer_share", "high_value_revenue_share", nil, `
		WITH c AS (
		  SELECT i.customer_id, sum(v.gp) AS gp, sum(v.revenue) AS revenue
		  FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
		  CROSS JOIN LATERAL (
		    SELECT sum(l.net_amount - coalesce(l.cost_amount, 0) - coalesce(rc.chauffeur_payable_amount, 0)) - cn.net AS gp,
		           sum(l.net_amount) - cn.net AS revenue
		    FROM (SELECT coalesce(sum(net_amount), 0) AS net FROM finance.credit_note WHERE invoice_id = i.id) cn
		    LEFT JOIN finance.invoice_line l ON l.invoice_id = i.id
		    LEFT JOIN chauffeur.ride_charge rc ON rc.id = l.ride_charge_id
		    GROUP BY cn.net) v
		  WHERE i.organisation_id = 1 AND i.status = 'issued' AND i.customer_id IS NOT NULL
		    AND (i.issued_at AT TIME ZONE b.timezone)::date >= ($2::date - interval '12 months')::date
		    AND (i.issued_at AT TIME ZONE b.timezone)::date < $2
		  GROUP BY 1),
		q AS (SELECT *, ntile(5) OVER (ORDER BY coalesce(gp, 0) DESC, customer_id) AS n FROM c)
		SELECT '', (sum(revenue) FILTER (WHERE n = 1) / sum(revenue))::float8 FROM q WHERE $1::date IS NOT NULL`},
	{"show_rate", "show_rate", []string{"branch_id"}, `
		SELECT bk.branch_id::text,
		  (count(*) FILTER (WHERE bk.status IN ('arrived', 'converted')))::float8 / count(*) FILTER (WHERE bk.status <> 'cancelled')
		FROM workshop.booking bk JOIN core.branch b ON b.id = bk.branch_id
		WHERE bk.organisation_id = 1
		  AND (lower(bk.period) AT TIME ZONE b.timezone)::date >= $1 AND (lower(bk.period) AT TIME ZONE b.timezone)::date < $2
		GROUP BY 1`},
}

func TestGeneratedData(t *testing.T) {
	m := newMirrored(t, &genOptions, false)
	from, to := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	p := marts.Params{OrganisationID: 1, From: from, To: to, Granularity: "year"}
	t.Run("every analytic runs", func(t *testing.T) {
		for _, a := range marts.Catalog() {
			rows := run(t, m.duck.DB, a.Name, p)
			if len(rows) == 0 && a.Name != "settlement_reconciliation" {
				t.Errorf("%s: no rows on generated data", a.Name)
			}
			if a.Name == "booking_forecast" || a.Name == "churn_model" {
				for _, r := range rows {
					t.Logf("%s: %v", a.Name, r)
				}
			}
		}
	})
	t.Run("organisation-wide paths equal the branch-filtered ones", func(t *testing.T) {
		// churn_risk, rfm and churn_model read organisation-wide marts when
		// no branch filter is given; naming every branch takes the general
		// path, which must give the same answer.
		var branches []int64
		rs, err := m.duck.DB.Query("SELECT id FROM core.branch WHERE organisation_id = 1 ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var id int64
			if err := rs.Scan(&id); err != nil {
				t.Fatal(err)
			}
			branches = append(branches, id)
		}
		rs.Close()
		all := p
		all.BranchIDs = branches
		for _, name := range []string{"churn_risk", "rfm", "churn_model", "active_customers", "high_value_customers", "high_value_customer_share"} {
			org, filtered := run(t, m.duck.DB, name, p), run(t, m.duck.DB, name, all)
			if len(org) == 0 || !reflect.DeepEqual(org, filtered) {
				t.Errorf("%s: %d organisation-wide rows differ from %d branch-filtered rows\n%v\n%v",
					name, len(org), len(filtered), head(org), head(filtered))
			}
		}
	})
	t.Run("resident visit histories equal the mart's", func(t *testing.T) {
		// A running Refresher keeps the visit histories in memory; the
		// customer analytics on its *sql.DB read them from there, on a
		// *sql.Conn from the table. Same answers, for any `to` and any
		// set of branches (each, both, one with a branch of no visits or
		// of another organisation, repeated).
		ctx := context.Background()
		defer startRefresher(t, m)()
		conn, err := m.duck.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		scopes := [][]int64{nil, {1}, {2}, {2, 1}, {1, 99}, {2, 2}}
		for _, to := range []time.Time{to, time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} {
			for _, branches := range scopes {
				q := marts.Params{OrganisationID: 1, BranchIDs: branches, From: to.AddDate(-1, 0, 0), To: to, Granularity: "month"}
				for _, name := range []string{"churn_risk", "rfm", "rfm_segments", "churn_model"} {
					a, _ := marts.Lookup(name)
					res, err := marts.Run(ctx, m.duck.DB, a, q, 0)
					if err != nil {
						t.Fatal(name, err)
					}
					tab, err := marts.Run(ctx, conn, a, q, 0)
					if err != nil {
						t.Fatal(name, err)
					}
					if (len(tab.Rows) == 0 && name != "rfm" && name != "rfm_segments") || !reflect.DeepEqual(res.Rows, tab.Rows) {
						t.Errorf("%s to %s, branches %v: %d resident rows differ from %d rows read from the mart",
							name, to, branches, len(res.Rows), len(tab.Rows))
					}
				}
			}
		}
	})
	t.Run("parquet export of mirrors and marts", func(t *testing.T) {
		man, err := export.Parquet(context.Background(), m.duck.DB, "test", filepath.Join(t.TempDir(), "parquet"), export.Options{AllOrganisations: true})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		exported := map[string]bool{}
		for _, r := range man.Relations {
			kinds[r.Kind]++
			exported[r.Name] = true
		}
		if kinds["table"] < 47+len(marts.Names()) || kinds["view"] != 0 {
			t.Errorf("exported %v, want 47 mirror tables and %d mart tables, no views", kinds, len(marts.Names()))
		}
		for _, n := range marts.Names() {
			if !exported[n] {
				t.Errorf("mart %s not exported", n)
			}
		}
	})
	conn, err := pgx.Connect(context.Background(), m.pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, h := range pgHeadline {
		t.Run("postgres agrees on "+h.column, func(t *testing.T) {
			want := pgValues(t, conn, h.pg, from, to)
			got := map[string]any{}
			for _, r := range run(t, m.duck.DB, h.analytic, p) {
				got[key(r, h.keys)] = r[h.column]
			}
			if len(want) == 0 || len(got) != len(want) {
				t.Fatalf("%d warehouse rows, %d postgres rows:\n%v\n%v", len(got), len(want), got, want)
			}
			for k, w := range want {
				if !same(got[k], w) {
					t.Errorf("%s[%s] = %v, postgres says %v", h.column, k, got[k], w)
				}
			}
			t.Logf("%s: %d values agree, e.g. %v", h.column, len(want), want)
		})
	}
}

func pgValues(t *testing.T, conn *pgx.Conn, q string, from, to time.Time) map[string]any {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for rows.Next() {
		var k string
		var v *float64
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		if v != nil {
			out[k] = *v
		} else {
			out[k] = nil
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func key(r map[string]any, keys []string) string {
	var k string
	for i, c := range keys {
		if i > 0 {
			k += "/"
		}
		k += fmt.Sprint(r[c])
	}
	return k
}

func head(rows []map[string]any) []map[string]any { return rows[:min(3, len(rows))] }
