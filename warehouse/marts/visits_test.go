package marts_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/carcarehub/cch/warehouse/marts"
)

// visitFixtureSQL: what makes a customer visit. Organisation 1, branches 1
// and 2 (UTC); organisation 2 must never show.
//
//	700: a warranty-only repair order at branch 1 on 2 Feb (no invoice) and
//	     a customer-paid one at branch 2 on 2 Mar, invoiced 5 Mar (300)
//	710: a ride completed at branch 1 on 10 Feb (200) and a ride
//	     late-cancelled on 10 Mar, charged a fee (50): no visit
//	720: a repair order at branch 1 (400) and a ride at branch 2 (150), both
//	     on 16 Mar: one visit that day
const visitFixtureSQL = `
INSERT INTO core.organisation (id, name) VALUES (1, 'Fixture'), (2, 'Other');
INSERT INTO core.branch (id, organisation_id, code, name, timezone) VALUES
 (1, 1, 'B1', 'One', 'UTC'), (2, 1, 'B2', 'Two', 'UTC'), (3, 2, 'X', 'Other', 'UTC');
INSERT INTO workshop.repair_order (id, organisation_id, branch_id, customer_id, vehicle_id, status, opened_at, closed_at) VALUES
 (701, 1, 1, 700, 1, 'closed', '2026-02-02 10:00:00+00', '2026-02-02 15:00:00+00'),
 (702, 1, 2, 700, 1, 'closed', '2026-03-02 09:00:00+00', '2026-03-05 12:00:00+00'),
 (721, 1, 1, 720, 2, 'closed', '2026-03-16 08:00:00+00', '2026-03-16 12:00:00+00'),
 (901, 2, 3, 900, 9, 'closed', '2026-03-02 09:00:00+00', '2026-03-02 12:00:00+00');
INSERT INTO workshop.repair_job (id, organisation_id, branch_id, repair_order_id, job_category, status, pay_type) VALUES
 (7011, 1, 1, 701, 'brakes', 'done', 'warranty'), (7021, 1, 2, 702, 'service', 'done', 'customer'),
 (7211, 1, 1, 721, 'service', 'done', 'customer');
INSERT INTO chauffeur.ride_booking (id, organisation_id, branch_id, booker_customer_id, passenger_customer_id, service_type, status, pickup_at, completed_at, cancelled_at) VALUES
 (711, 1, 1, 710, 710, 'point_to_point', 'completed', '2026-02-10 10:00:00+00', '2026-02-10 11:00:00+00', NULL),
 (712, 1, 1, 710, 710, 'point_to_point', 'late_cancelled', '2026-03-10 10:00:00+00', NULL, '2026-03-10 09:30:00+00'),
 (722, 1, 2, 720, 720, 'point_to_point', 'completed', '2026-03-16 17:00:00+00', '2026-03-16 18:00:00+00', NULL);
INSERT INTO finance.invoice (id, organisation_id, branch_id, customer_id, repair_order_id, ride_booking_id, status, gross_total, issued_at) VALUES
 (1, 1, 2, 700, 702, NULL, 'issued', 360, '2026-03-05 12:00:00+00'),
 (2, 1, 1, 710, NULL, 711, 'issued', 240, '2026-02-10 11:00:00+00'),
 (3, 1, 1, 710, NULL, 712, 'issued', 60, '2026-03-10 09:30:00+00'),
 (4, 1, 1, 720, 721, NULL, 'issued', 480, '2026-03-16 12:00:00+00'),
 (5, 1, 2, 720, NULL, 722, 'issued', 180, '2026-03-16 18:00:00+00'),
 (9, 2, 3, 900, 901, NULL, 'issued', 1200, '2026-03-02 12:00:00+00');
INSERT INTO finance.invoice_line (id, organisation_id, invoice_id, line_number, kind, net_amount, cost_amount) VALUES
 (1, 1, 1, 1, 'labour', 300, 100), (2, 1, 2, 1, 'ride_base', 200, 0), (3, 1, 3, 1, 'fee', 50, 0),
 (4, 1, 4, 1, 'labour', 400, 100), (5, 1, 5, 1, 'ride_base', 150, 0), (9, 2, 9, 1, 'labour', 1000, 0);
`

// TestVisitsAreRepairOrdersAndRides checks the customer analytics count a
// visit when a repair order is opened or a ride completed — warranty
// work included, a late-cancellation fee not — once per customer and
// day, in the caller's branches, read from the mart and from the
// resident histories alike.
func TestVisitsAreRepairOrdersAndRides(t *testing.T) {
	m := newMirrored(t, nil, false)
	exec(t, m.duck.DB, visitFixtureSQL)
	ctx := context.Background()
	if _, err := marts.Refresh(ctx, m.duck.DB, nil); err != nil {
		t.Fatal(err)
	}
	to := date(2026, 4, 1)
	org := marts.Params{OrganisationID: 1, From: date(2026, 3, 1), To: to}
	branch := func(ids ...int64) marts.Params { p := org; p.BranchIDs = ids; return p }
	type visit struct {
		visits int64
		last   string
		risk   any
	}
	cases := []struct {
		name string
		p    marts.Params
		want map[int64]visit
	}{
		// gaps: 700's 28 days, the shop-wide median; 710 is 50 days out > 1.5 × 28
		{"organisation", org, map[int64]visit{700: {2, "2026-03-02", false}, 710: {1, "2026-02-10", true}, 720: {1, "2026-03-16", false}}},
		// one visit each, so no interval to judge by: the rule cannot tell
		{"branch 1", branch(1), map[int64]visit{700: {1, "2026-02-02", nil}, 710: {1, "2026-02-10", nil}, 720: {1, "2026-03-16", nil}}},
		{"branch 2", branch(2), map[int64]visit{700: {1, "2026-03-02", nil}, 720: {1, "2026-03-16", nil}}},
	}
	monetary := map[string]map[int64]float64{
		"organisation": {700: 300, 710: 200, 720: 550}, "branch 1": {700: 0, 710: 200, 720: 400}, "branch 2": {700: 300, 720: 150},
	}
	check := func(t *testing.T, q marts.Querier) {
		for _, c := range cases {
			got := map[int64]visit{}
			for _, r := range runOn(t, q, "churn_risk", c.p) {
				got[r["customer_id"].(int64)] = visit{r["visits"].(int64), r["last_visit"].(string), r["churn_risk"]}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: churn_risk visits %v, want %v", c.name, got, c.want)
			}
			money := map[int64]float64{}
			for _, r := range runOn(t, q, "rfm", c.p) {
				money[r["customer_id"].(int64)] = r["monetary"].(float64)
			}
			if !reflect.DeepEqual(money, monetary[c.name]) {
				t.Errorf("%s: rfm monetary %v, want %v", c.name, money, monetary[c.name])
			}
		}
	}
	t.Run("from the mart", func(t *testing.T) { check(t, m.duck.DB) })
	t.Run("from the resident histories", func(t *testing.T) {
		stop := startRefresher(t, m)
		defer stop()
		check(t, m.duck.DB)
	})
}

// runOn runs an analytic on q and returns its rows as column→value maps.
func runOn(t *testing.T, q marts.Querier, name string, p marts.Params) []map[string]any {
	t.Helper()
	a, ok := marts.Lookup(name)
	if !ok {
		t.Fatalf("no analytic %s", name)
	}
	tab, err := marts.Run(context.Background(), q, a, p, 0)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := make([]map[string]any, len(tab.Rows))
	for i, r := range tab.Rows {
		out[i] = map[string]any{}
		for j, c := range tab.Columns {
			out[i][c.Name] = r[j]
		}
	}
	return out
}

// startRefresher runs a Refresher on the mirror's DuckDB until it holds
// the resident visit histories; the returned func stops it.
func startRefresher(t testing.TB, m *mirrored) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := marts.NewRefresher(marts.RefresherConfig{DB: m.duck.DB, MinInterval: 50 * time.Millisecond})
	snapshot := make(chan struct{})
	close(snapshot)
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx, snapshot) }()
	stop := func() { cancel(); <-done }
	select {
	case <-r.Ready():
	case <-done:
		t.Fatal("refresher stopped")
	case <-time.After(time.Minute):
		stop()
		t.Fatal("refresher not ready")
	}
	if !r.Resident() {
		stop()
		t.Fatal("the refresher holds no visit histories after its first refresh")
	}
	return stop
}
