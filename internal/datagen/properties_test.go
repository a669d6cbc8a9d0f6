package datagen_test

import (
	"context"
	"strconv"
	"testing"
)

// properties are what the analytics must find in generated data, each a
// query returning one number and the bound it must meet.
var properties = []struct {
	name  string
	query string
	ok    func(v float64) bool
	want  string
}{
	{"top 20% of customers earn well over 20% of gross profit", `
		WITH gp AS (
		  SELECT i.customer_id, sum(l.net_amount - l.cost_amount) AS gp
		  FROM finance.invoice i JOIN finance.invoice_line l ON l.invoice_id = i.id
		  WHERE i.status = 'issued' AND i.repair_order_id IS NOT NULL AND i.organisation_id = 1
		  GROUP BY 1),
		q AS (SELECT gp, ntile(5) OVER (ORDER BY gp DESC) AS n FROM gp)
		SELECT (sum(gp) FILTER (WHERE n = 1) / sum(gp))::float8 FROM q`,
		func(v float64) bool { return v > 0.35 }, "> 0.35"},
	{"a high-volume job category has a negative margin", `
		WITH job AS (
		  SELECT rj.job_category,
		    coalesce((SELECT sum(sale_amount - cost_amount) FROM workshop.labour_line ll WHERE ll.repair_job_id = rj.id), 0)
		    + coalesce((SELECT sum(sale_amount - round(unit_cost * quantity, 2)) FROM workshop.part_line pl WHERE pl.repair_job_id = rj.id), 0)
		    - rj.sublet_cost AS margin
		  FROM workshop.repair_job rj WHERE rj.status = 'done' AND rj.pay_type = 'customer'),
		cat AS (SELECT job_category, count(*) AS n, sum(margin) AS margin FROM job GROUP BY 1)
		SELECT count(*)::float8 FROM cat WHERE margin < 0 AND n >= (SELECT 0.15 * sum(n) FROM cat)`,
		func(v float64) bool { return v >= 1 }, ">= 1 category"},
	{"technician efficiency (billed ÷ applied) spreads by 20+ points", `
		WITH billed AS (
		  SELECT ll.technician_id AS t, sum(ll.sold_hours) AS h
		  FROM workshop.labour_line ll
		  JOIN finance.invoice_line il ON il.labour_line_id = ll.id
		  JOIN finance.invoice i ON i.id = il.invoice_id AND i.status = 'issued'
		  GROUP BY 1),
		applied AS (
		  SELECT staff_id AS t, sum(extract(epoch FROM upper(period) - lower(period)) / 3600) AS h
		  FROM core.time_clock_entry WHERE kind = 'job' GROUP BY 1),
		eff AS (SELECT b.h / a.h AS e FROM billed b JOIN applied a USING (t) WHERE a.h > 10)
		SELECT (max(e) - min(e))::float8 FROM eff`,
		func(v float64) bool { return v >= 0.20 }, ">= 0.20"},
	{"customers lapse: days since last visit > 1.5 × own median interval", `
		WITH v AS (SELECT DISTINCT customer_id, lower(period)::date AS d FROM workshop.booking WHERE status = 'converted'),
		gaps AS (SELECT customer_id, d - lag(d) OVER (PARTITION BY customer_id ORDER BY d) AS gap FROM v),
		med AS (SELECT customer_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS m FROM gaps WHERE gap IS NOT NULL GROUP BY 1),
		last AS (SELECT customer_id, max(d) AS d FROM v GROUP BY 1)
		SELECT count(*)::float8 FROM med JOIN last USING (customer_id)
		WHERE (SELECT max(upper(period))::date FROM workshop.booking WHERE status = 'converted') - last.d > 1.5 * med.m`,
		func(v float64) bool { return v >= 5 }, ">= 5 customers"},
	{"the busiest hour of day is well above the average hour", `
		WITH h AS (
		  SELECT extract(hour FROM lower(period) AT TIME ZONE 'Europe/London') AS hr, count(*) AS n
		  FROM workshop.booking GROUP BY 1)
		SELECT (max(n) / avg(n))::float8 FROM h`,
		func(v float64) bool { return v > 1.5 }, "> 1.5"},
	{"every month has at least the configured bookings", `
		SELECT min(n)::float8 FROM (
		  SELECT count(*) AS n FROM workshop.booking WHERE organisation_id = 1 AND status NOT IN ('booked', 'confirmed')
		  GROUP BY date_trunc('month', lower(period) AT TIME ZONE 'Europe/London')) m`,
		func(v float64) bool { return v >= 400 }, ">= 400"},
	{"no two active bay reservations overlap", `
		SELECT count(*)::float8 FROM workshop.bay_reservation a JOIN workshop.bay_reservation b
		  ON a.bay_id = b.bay_id AND a.id < b.id AND a.period && b.period WHERE a.active AND b.active`,
		func(v float64) bool { return v == 0 }, "0"},
	{"no technician is double-booked", `
		SELECT count(*)::float8 FROM workshop.technician_booking a JOIN workshop.technician_booking b
		  ON a.technician_id = b.technician_id AND a.id < b.id AND a.period && b.period WHERE a.active AND b.active`,
		func(v float64) bool { return v == 0 }, "0"},
	{"no chauffeur or car is double-assigned", `
		SELECT count(*)::float8 FROM chauffeur.dispatch_assignment a JOIN chauffeur.dispatch_assignment b
		  ON (a.chauffeur_id = b.chauffeur_id OR a.fleet_vehicle_id = b.fleet_vehicle_id) AND a.id < b.id AND a.period && b.period
		WHERE a.status IN ('offered', 'accepted', 'completed') AND b.status IN ('offered', 'accepted', 'completed')`,
		func(v float64) bool { return v == 0 }, "0"},
	{"invoice numbers are gapless per branch and the counter is next", `
		SELECT count(*)::float8 FROM (
		  SELECT branch_id, count(*) AS n, min(invoice_number) AS lo, max(invoice_number) AS hi
		  FROM finance.invoice WHERE invoice_number IS NOT NULL GROUP BY 1) x
		JOIN finance.invoice_counter c USING (branch_id)
		WHERE x.n <> x.hi OR x.lo <> 1 OR c.next_number <> x.hi + 1`,
		func(v float64) bool { return v == 0 }, "0 branches with gaps"},
	{"a second, small tenant exists", `
		SELECT (SELECT count(*) FROM workshop.booking WHERE organisation_id = 2)::float8 / nullif((SELECT count(*) FROM workshop.booking), 0)`,
		func(v float64) bool { return v > 0 && v < 0.1 }, "between 0 and 10% of bookings"},
	{"upcoming bookings exist with pending reminders", `
		SELECT count(*)::float8 FROM workshop.booking b JOIN core.notification n
		  ON n.kind = 'booking_reminder' AND n.status = 'pending' AND n.payload @> jsonb_build_object('booking_id', b.id)
		WHERE b.status IN ('booked', 'confirmed') AND lower(b.period) > now() - interval '100 years'`,
		func(v float64) bool { return v > 0 }, "> 0"},
	{"rides carry flight metadata", `
		SELECT count(*)::float8 FROM chauffeur.ride_booking
		WHERE service_type = 'airport_arrival' AND metadata ? 'flight_number' AND metadata ? 'airline' AND metadata ? 'terminal'`,
		func(v float64) bool { return v > 0 }, "> 0"},
	{"every booking has its history row (trigger on)", `
		SELECT count(*)::float8 FROM workshop.booking b
		WHERE NOT EXISTS (SELECT 1 FROM audit.booking_history h WHERE h.booking_id = b.id)`,
		func(v float64) bool { return v == 0 }, "0 bookings without history"},
	{"audited rows reached the hash-chained audit log, which verifies", `
		SELECT CASE WHEN (SELECT count(*) FROM audit.verify_chain()) = 0
		  THEN (SELECT count(*) FROM audit.staff_audit_log WHERE table_name = 'finance.invoice_line') ELSE -1 END::float8`,
		func(v float64) bool { return v > 0 }, "> 0 entries and no broken link"},
	{"comebacks are on the vehicle of the repair they redo", `
		SELECT count(*)::float8 FROM workshop.repair_order r JOIN workshop.repair_order f ON f.id = r.comeback_of_repair_order_id
		WHERE r.vehicle_id <> f.vehicle_id`,
		func(v float64) bool { return v == 0 }, "0 comebacks on another vehicle"},
	{"comebacks exist", `SELECT count(*)::float8 FROM workshop.repair_order WHERE comeback_of_repair_order_id IS NOT NULL`,
		func(v float64) bool { return v > 0 }, "> 0"},
	{"branches are closed on bank holidays (2026-08-31)", `
		SELECT count(*)::float8 FROM workshop.booking WHERE (lower(period) AT TIME ZONE 'Europe/London')::date = DATE '2026-08-31'`,
		func(v float64) bool { return v == 0 }, "0 bookings"},
	{"bookings start within opening hours on both sides of the clock change", `
		SELECT count(*)::float8 FROM workshop.booking
		WHERE extract(hour FROM lower(period) AT TIME ZONE 'Europe/London') < 8
		   OR extract(hour FROM upper(period) AT TIME ZONE 'Europe/London') * 60 + extract(minute FROM upper(period) AT TIME ZONE 'Europe/London') > 18 * 60`,
		func(v float64) bool { return v == 0 }, "0 outside 08:00-18:00 local"},
	{"weekday bookings are noisy, not a fixed weekly pattern", `
		WITH d AS (
		  SELECT (lower(period) AT TIME ZONE 'Europe/London')::date AS day, count(*) AS n FROM workshop.booking
		  WHERE branch_id = (SELECT min(id) FROM core.branch) AND extract(isodow FROM lower(period) AT TIME ZONE 'Europe/London') = 3
		  GROUP BY 1)
		SELECT (stddev_samp(n) / avg(n))::float8 FROM d`,
		func(v float64) bool { return v > 0.1 }, "coefficient of variation > 0.1 on Wednesdays"},
	{"some invoices were voided, none of them paid", `
		SELECT CASE WHEN EXISTS (SELECT 1 FROM finance.payment_allocation a JOIN finance.invoice i ON i.id = a.invoice_id WHERE i.status = 'void')
		  THEN -1 ELSE (SELECT count(*) FROM finance.invoice WHERE status = 'void') END::float8`,
		func(v float64) bool { return v > 0 }, "> 0 void, none paid"},
	{"some paid workshop invoices are refunded", `
		SELECT count(*)::float8 FROM finance.credit_note c JOIN finance.invoice i ON i.id = c.invoice_id
		WHERE i.repair_order_id IS NOT NULL`,
		func(v float64) bool { return v > 0 }, "> 0 credit notes"},
	{"refunds stay within what was paid and the invoice's net", `
		WITH c AS (SELECT invoice_id, sum(net_amount) AS net, sum(gross_amount) AS gross FROM finance.credit_note GROUP BY 1),
		paid AS (SELECT invoice_id, sum(amount) AS amount FROM finance.payment_allocation GROUP BY 1)
		SELECT count(*)::float8 FROM c JOIN finance.invoice i ON i.id = c.invoice_id LEFT JOIN paid p ON p.invoice_id = c.invoice_id
		WHERE i.status <> 'issued' OR c.gross > coalesce(p.amount, 0) OR c.net > i.net_total`,
		func(v float64) bool { return v == 0 }, "0 invoices over-refunded"},
	{"refunds are issued after the invoice was paid", `
		SELECT count(*)::float8 FROM finance.credit_note c
		WHERE c.issued_at <= (SELECT max(p.received_at) FROM finance.payment_allocation a JOIN finance.payment p ON p.id = a.payment_id
		                      WHERE a.invoice_id = c.invoice_id)
		   OR NOT EXISTS (SELECT 1 FROM finance.payment_allocation a WHERE a.invoice_id = c.invoice_id)`,
		func(v float64) bool { return v == 0 }, "0 refunds before payment"},
	{"refunds are a small share of paid workshop invoices", `
		SELECT (SELECT count(DISTINCT c.invoice_id) FROM finance.credit_note c JOIN finance.invoice i ON i.id = c.invoice_id WHERE i.repair_order_id IS NOT NULL)::float8
		  / nullif((SELECT count(DISTINCT a.invoice_id) FROM finance.payment_allocation a JOIN finance.invoice i ON i.id = a.invoice_id WHERE i.repair_order_id IS NOT NULL), 0)`,
		func(v float64) bool { return v > 0 && v < 0.04 }, "between 0 and 4%"},
	{"every chauffeur assignment lies within one of the chauffeur's shifts", `
		SELECT count(*)::float8 FROM chauffeur.dispatch_assignment a
		WHERE a.status = 'completed' AND NOT EXISTS (
		  SELECT 1 FROM core.staff_shift s WHERE s.staff_id = a.chauffeur_id AND s.period @> a.period)`,
		func(v float64) bool { return v == 0 }, "0 assignments off shift"},
	{"the forward book holds rosters, bookings and rides", `
		SELECT least(
		  (SELECT count(*) FROM core.staff_shift s JOIN chauffeur.chauffeur c ON c.id = s.staff_id WHERE lower(s.period) > (SELECT max(lower(period)) FROM workshop.booking WHERE status = 'converted')),
		  (SELECT count(*) FROM chauffeur.ride_booking WHERE status IN ('quoted', 'confirmed')),
		  (SELECT count(*) FROM workshop.booking WHERE status IN ('booked', 'confirmed')))::float8`,
		func(v float64) bool { return v > 0 }, "> 0 of each"},
	{"some flights land hours late", `
		SELECT count(*)::float8 FROM chauffeur.ride_booking WHERE actual_landing_at > pickup_at + interval '90 minutes'`,
		func(v float64) bool { return v > 0 }, "> 0"},
	{"some recommended work is declined", `SELECT count(*)::float8 FROM workshop.repair_job WHERE status = 'declined'`,
		func(v float64) bool { return v > 0 }, "> 0"},
	{"some purchases were urgent because of stock-outs", `
		SELECT count(*)::float8 FROM core.notification WHERE kind = 'inventory_alert'`,
		func(v float64) bool { return v > 0 }, "> 0"},
}

func TestSeededDataHasAnalyticProperties(t *testing.T) {
	conn, _ := seeded(t, small)
	for _, p := range properties {
		t.Run(p.name, func(t *testing.T) {
			var v *float64
			if err := conn.QueryRow(context.Background(), p.query).Scan(&v); err != nil {
				t.Fatal(err)
			}
			if v != nil {
				t.Logf("value %s (want %s)", formatFloat(*v), p.want)
			}
			if v == nil || !p.ok(*v) {
				got := "NULL"
				if v != nil {
					got = formatFloat(*v)
				}
				t.Errorf("got %s, want %s", got, p.want)
			}
		})
	}
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
