package bench

// pgQuestion is a dashboard question asked of PostgreSQL in plain SQL over
// the source tables (as superuser: no RLS), beside the marts analytic that
// answers it on DuckDB. $1 and $2 are the local dates [from, to) and $3
// the organisation, as the analytic's Params with month granularity and
// every branch. A question returns the analytic's rows, with its columns
// in its order (TestPGQuestionsMatchAnalytics compares them cell by cell).
type pgQuestion struct {
	name     string // what the dashboard asks
	analytic string // marts.Catalog() name
	sql      string
}

// pgQuestions follow the KPI definitions (DOMAIN.md) as the marts do, each
// written independently with PostgreSQL ranges, time zones, jsonb and
// window functions: every analytic of the catalogue but those computed in
// Go (booking_forecast, churn_model). Days are the branch's local days
// (`AT TIME ZONE b.timezone`). Where the marts cast to or from TIMESTAMPTZ
// in DuckDB's session time zone (UTC on our hosts) — the [from, to)
// window of chauffeur and fleet utilisation and of settlements, the span
// of the bay calendar — the questions say UTC explicitly.
var pgQuestions = []pgQuestion{
	{"revenue by month with year-on-year", "revenue_trend", `
WITH inv AS (
  SELECT (i.issued_at AT TIME ZONE b.timezone)::date AS day, i.branch_id,
         CASE WHEN i.repair_order_id IS NOT NULL THEN 'workshop' ELSE 'chauffeur' END AS lob,
         coalesce((SELECT sum(l.net_amount) FROM finance.invoice_line l WHERE l.invoice_id = i.id), 0) - ` + pgInvoiceCredited + ` AS revenue
  FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
  WHERE i.organisation_id = $3 AND i.status = 'issued' AND i.customer_id IS NOT NULL),
cur AS (
  SELECT date_trunc('month', day)::date AS period, branch_id, lob, sum(revenue) AS revenue
  FROM inv WHERE day >= $1::date AND day < $2::date GROUP BY 1, 2, 3),
prev AS ( -- the same days a year earlier, under the period they precede by a year
  SELECT (date_trunc('month', day) + interval '1 year')::date AS period, branch_id, lob, sum(revenue) AS revenue
  FROM inv WHERE day >= ($1::date - interval '1 year')::date AND day < ($2::date - interval '1 year')::date GROUP BY 1, 2, 3)
SELECT cur.period, cur.branch_id, cur.lob, cur.revenue, prev.revenue AS prior,
       (cur.revenue - prev.revenue) / nullif(prev.revenue, 0) AS yoy
FROM cur LEFT JOIN prev USING (period, branch_id, lob)
ORDER BY 1, 2, 3`},
	{"average repair order (ARO)", "average_repair_order", `
SELECT date_trunc('month', x.at AT TIME ZONE b.timezone)::date AS period, ro.branch_id,
       count(*) AS ros, sum(x.revenue) AS revenue, sum(x.revenue) / count(*) AS aro
FROM (SELECT i.repair_order_id, min(i.issued_at) AS at, sum(l.net_amount) - ` + pgROCredited + ` AS revenue
      FROM finance.invoice i JOIN finance.invoice_line l ON l.invoice_id = i.id
      WHERE i.status = 'issued' AND i.repair_order_id IS NOT NULL GROUP BY 1) x
JOIN workshop.repair_order ro ON ro.id = x.repair_order_id
JOIN core.branch b ON b.id = ro.branch_id
WHERE ro.organisation_id = $3 AND x.revenue <> 0
  AND (x.at AT TIME ZONE b.timezone)::date >= $1::date AND (x.at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"gross margin (parts, labour, total)", "gross_margin", `
WITH x AS (
  SELECT i.repair_order_id, min(i.issued_at) AS at, sum(l.net_amount) - ` + pgROCredited + ` AS revenue,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'labour'), 0) AS ls,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'labour'), 0) AS lc,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'part'), 0) AS ps,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'part'), 0) AS pc,
         coalesce(sum(l.cost_amount), 0) AS tc -- every line's cost: fees have costs too
  FROM finance.invoice i JOIN finance.invoice_line l ON l.invoice_id = i.id
  WHERE i.status = 'issued' AND i.repair_order_id IS NOT NULL GROUP BY 1)
SELECT date_trunc('month', x.at AT TIME ZONE b.timezone)::date AS period, ro.branch_id,
       sum(ps), sum(pc), sum(ls), sum(lc), sum(revenue), sum(tc),
       (sum(ps) - sum(pc)) / nullif(sum(ps), 0), (sum(ls) - sum(lc)) / nullif(sum(ls), 0),
       (sum(revenue) - sum(tc)) / nullif(sum(revenue), 0)
FROM x JOIN workshop.repair_order ro ON ro.id = x.repair_order_id JOIN core.branch b ON b.id = ro.branch_id
WHERE ro.organisation_id = $3
  AND (x.at AT TIME ZONE b.timezone)::date >= $1::date AND (x.at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	// Available hours: finished attendance minus breaks; applied: finished
	// job clock (technicians, any clock kind gives a row); billed: sold
	// hours of labour lines on issued invoices, on the invoice's day.
	{"technician efficiency, productivity and proficiency", "technician_efficiency", `
WITH hours AS (
  SELECT e.organisation_id, e.branch_id, e.staff_id AS technician_id, lower(e.period) AS at,
         CASE WHEN e.kind = 'attendance'
              THEN extract(epoch FROM upper(e.period) - lower(e.period)) / 3600 - e.break_minutes / 60.0 ELSE 0 END AS available,
         CASE WHEN e.kind = 'job' THEN extract(epoch FROM upper(e.period) - lower(e.period)) / 3600 ELSE 0 END AS applied,
         0 AS billed
  FROM core.time_clock_entry e
  WHERE NOT upper_inf(e.period)
    AND e.staff_id IN (SELECT staff_id FROM core.staff_role WHERE role = 'technician')
  UNION ALL
  SELECT ll.organisation_id, ll.branch_id, ll.technician_id, i.issued_at, 0, 0, ll.sold_hours
  FROM workshop.labour_line ll
  JOIN finance.invoice_line il ON il.labour_line_id = ll.id
  JOIN finance.invoice i ON i.id = il.invoice_id AND i.status = 'issued'
  WHERE ll.technician_id IS NOT NULL)
SELECT date_trunc('month', h.at AT TIME ZONE b.timezone)::date AS period, h.branch_id, h.technician_id,
       sum(h.available) AS available, sum(h.applied) AS applied, sum(h.billed) AS billed,
       sum(h.billed) / nullif(sum(h.applied), 0) AS efficiency,
       sum(h.applied) / nullif(sum(h.available), 0) AS productivity,
       sum(h.billed) / nullif(sum(h.available), 0) AS proficiency
FROM hours h JOIN core.branch b ON b.id = h.branch_id
WHERE h.organisation_id = $3
  AND (h.at AT TIME ZONE b.timezone)::date >= $1::date AND (h.at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`},
	{"comeback rate", "comeback_rate", `
SELECT date_trunc('month', ro.closed_at AT TIME ZONE b.timezone)::date AS period, ro.branch_id,
       count(*) AS closed, count(*) FILTER (WHERE c.comeback) AS comebacks,
       count(*) FILTER (WHERE ro.comeback_of_repair_order_id IS NOT NULL) AS recorded,
       (count(*) FILTER (WHERE c.comeback))::float8 / count(*) AS rate
FROM workshop.repair_order ro JOIN core.branch b ON b.id = ro.branch_id
CROSS JOIN LATERAL (SELECT EXISTS (
    SELECT 1 FROM workshop.repair_job j
    JOIN workshop.repair_job pj ON pj.job_category = j.job_category
    JOIN workshop.repair_order p ON p.id = pj.repair_order_id
    WHERE j.repair_order_id = ro.id AND p.vehicle_id = ro.vehicle_id AND p.id <> ro.id
      AND p.status <> 'cancelled' AND pj.status NOT IN ('recommended', 'declined') -- the work was done
      AND p.closed_at <= ro.opened_at AND ro.opened_at < p.closed_at + interval '30 days') AS comeback) c
WHERE ro.organisation_id = $3 AND ro.closed_at IS NOT NULL AND ro.status <> 'cancelled'
  AND (ro.closed_at AT TIME ZONE b.timezone)::date >= $1::date AND (ro.closed_at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"show rate", "show_rate", `
SELECT date_trunc('month', lower(bk.period) AT TIME ZONE b.timezone)::date AS period, bk.branch_id,
       count(*) FILTER (WHERE bk.status <> 'cancelled') AS booked,
       count(*) FILTER (WHERE bk.status IN ('arrived', 'converted')) AS arrived,
       count(*) FILTER (WHERE bk.status = 'no_show') AS no_show,
       count(*) FILTER (WHERE bk.status = 'late_cancelled') AS late_cancelled,
       count(*) FILTER (WHERE bk.status = 'cancelled') AS cancelled,
       (count(*) FILTER (WHERE bk.status IN ('arrived', 'converted')))::float8 / nullif(count(*) FILTER (WHERE bk.status <> 'cancelled'), 0),
       (count(*) FILTER (WHERE bk.status = 'no_show'))::float8 / nullif(count(*) FILTER (WHERE bk.status <> 'cancelled'), 0),
       (count(*) FILTER (WHERE bk.status = 'late_cancelled'))::float8 / nullif(count(*) FILTER (WHERE bk.status <> 'cancelled'), 0)
FROM workshop.booking bk JOIN core.branch b ON b.id = bk.branch_id
WHERE bk.organisation_id = $3
  AND (lower(bk.period) AT TIME ZONE b.timezone)::date >= $1::date AND (lower(bk.period) AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"bay utilisation", "bay_utilisation", `
WITH span AS (SELECT greatest($1::date, (min(lower(period)) AT TIME ZONE 'UTC')::date) AS lo,
                     least($2::date - 1, (max(lower(period)) AT TIME ZONE 'UTC')::date) AS hi
              FROM workshop.booking WHERE organisation_id = $3),
cal AS (
  SELECT b.id AS branch_id, d::date AS day,
         (SELECT count(*) FROM workshop.service_bay s WHERE s.branch_id = b.id AND s.active) *
         coalesce((SELECT sum(extract(epoch FROM (w->>1)::time - (w->>0)::time)) / 3600
                   FROM jsonb_array_elements(` + pgOpenWindows("b", "d::date") + `) w), 0) AS open_h
  FROM core.branch b, span, generate_series(span.lo, span.hi, interval '1 day') d
  WHERE b.organisation_id = $3),
occ AS (
  SELECT r.branch_id, t.day, sum(` + pgOpenHours + `) AS h
  FROM workshop.bay_reservation r JOIN core.branch b ON b.id = r.branch_id
  CROSS JOIN LATERAL (SELECT lower(r.period) AT TIME ZONE b.timezone AS ls, (lower(r.period) AT TIME ZONE b.timezone)::date AS day,
                             upper(r.period) - lower(r.period) AS len) t
  WHERE r.active AND r.organisation_id = $3 AND t.day >= $1::date AND t.day < $2::date
  GROUP BY 1, 2)
SELECT date_trunc('month', c.day)::date, c.branch_id, sum(coalesce(o.h, 0)), sum(c.open_h),
       sum(coalesce(o.h, 0)) / nullif(sum(c.open_h), 0)
FROM cal c LEFT JOIN occ o USING (branch_id, day)
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"high-value customers (top 20% by 12-month gross profit)", "high_value_customers", `
WITH c AS (
  SELECT i.customer_id, sum(coalesce(l.gp, 0) - ` + pgInvoiceCredited + `) AS gp, sum(coalesce(l.revenue, 0) - ` + pgInvoiceCredited + `) AS revenue
  FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
  LEFT JOIN (SELECT l.invoice_id, sum(l.net_amount) AS revenue,
                    sum(l.net_amount - l.cost_amount - coalesce(rc.chauffeur_payable_amount, 0)) AS gp
             FROM finance.invoice_line l LEFT JOIN chauffeur.ride_charge rc ON rc.id = l.ride_charge_id
             GROUP BY 1) l ON l.invoice_id = i.id
  WHERE i.organisation_id = $3 AND i.status = 'issued' AND i.customer_id IS NOT NULL
    AND (i.issued_at AT TIME ZONE b.timezone)::date >= ($2::date - interval '12 months')::date
    AND (i.issued_at AT TIME ZONE b.timezone)::date < $2::date AND $1::date IS NOT NULL
  GROUP BY 1),
q AS (SELECT *, ntile(5) OVER (ORDER BY gp DESC, customer_id) AS n FROM c)
SELECT customer_id, gp, revenue, n FROM q WHERE n = 1 ORDER BY gp DESC, customer_id`},
	{"service profitability (overhead allocated, high-volume negative-margin flag)", "service_profitability", `
WITH lines AS (
  SELECT l.repair_job_id, min(i.issued_at) AS at,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'labour'), 0) AS ls,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'part'), 0) AS ps,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'labour'), 0) AS tc,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'part'), 0) AS pc,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'sublet'), 0) AS sc
  FROM finance.invoice i JOIN finance.invoice_line l ON l.invoice_id = i.id
  WHERE i.status = 'issued' AND l.repair_job_id IS NOT NULL GROUP BY 1),
job_h AS (
  SELECT repair_job_id, sum(extract(epoch FROM upper(period) - lower(period))) / 3600 AS h
  FROM core.time_clock_entry WHERE kind = 'job' AND repair_job_id IS NOT NULL AND NOT upper_inf(period) GROUP BY 1),
month_h AS (
  SELECT e.branch_id, date_trunc('month', lower(e.period) AT TIME ZONE b.timezone)::date AS month,
         sum(extract(epoch FROM upper(e.period) - lower(e.period))) / 3600 AS h
  FROM core.time_clock_entry e JOIN core.branch b ON b.id = e.branch_id
  WHERE e.kind = 'job' AND NOT upper_inf(e.period)
    AND e.staff_id IN (SELECT staff_id FROM core.staff_role WHERE role = 'technician')
  GROUP BY 1, 2),
rate AS (
  SELECT x.branch_id, date_trunc('month', x.month)::date AS month, sum(x.amount) / nullif(min(m.h), 0) AS r
  FROM finance.operating_expense x
  LEFT JOIN month_h m ON m.branch_id = x.branch_id AND m.month = date_trunc('month', x.month)::date
  GROUP BY 1, 2),
jobs AS (
  SELECT j.job_category, op.code, op.name, l.ls, l.ps, l.tc, l.pc, l.sc, coalesce(a.h, 0) AS h,
         coalesce(a.h, 0) * coalesce(r.r, 0) AS overhead
  FROM lines l
  JOIN workshop.repair_job j ON j.id = l.repair_job_id
  JOIN core.branch b ON b.id = j.branch_id
  LEFT JOIN workshop.labour_operation op ON op.id = j.labour_operation_id
  LEFT JOIN job_h a ON a.repair_job_id = j.id
  LEFT JOIN rate r ON r.branch_id = j.branch_id AND r.month = date_trunc('month', l.at AT TIME ZONE b.timezone)::date
  WHERE j.organisation_id = $3
    AND (l.at AT TIME ZONE b.timezone)::date >= $1::date AND (l.at AT TIME ZONE b.timezone)::date < $2::date),
s AS (
  SELECT job_category, code, min(name) AS name, count(*) AS jobs, sum(ls) AS ls, sum(ps) AS ps, sum(tc) AS tc,
         sum(pc) AS pc, sum(sc) AS sc, sum(h) AS h, sum(overhead) AS overhead,
         sum(ls + ps - tc - pc - sc - overhead) AS tm
  FROM jobs GROUP BY 1, 2)
SELECT *, tm / nullif(ls + ps, 0), jobs >= avg(jobs) OVER () AND tm < 0 FROM s ORDER BY tm`},
	{"churn risk (rule)", "churn_risk", `
WITH visit AS (` + pgVisits + `),
v AS (SELECT DISTINCT customer_id, day FROM visit WHERE day < $2::date AND $1::date IS NOT NULL),
gaps AS (SELECT customer_id, day, day - lag(day) OVER (PARTITION BY customer_id ORDER BY day) AS gap FROM v),
own AS (SELECT customer_id, count(*) AS visits, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS med, max(day) AS last
        FROM gaps GROUP BY 1),
shop AS (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS m FROM gaps)
SELECT customer_id, visits, last, $2::date - last, coalesce(med, shop.m), med IS NULL,
       ($2::date - last) > 1.5 * coalesce(med, shop.m)
FROM own, shop ORDER BY customer_id`},
	{"high-value customers' share of revenue", "high_value_customer_share", `
WITH c AS (
  SELECT i.customer_id, sum(v.gp) AS gp, sum(v.revenue) AS revenue
  FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(l.net_amount), 0) - ` + pgInvoiceCredited + ` AS revenue,
           coalesce(sum(l.net_amount - l.cost_amount - coalesce(rc.chauffeur_payable_amount, 0)), 0) - ` + pgInvoiceCredited + ` AS gp
    FROM finance.invoice_line l LEFT JOIN chauffeur.ride_charge rc ON rc.id = l.ride_charge_id
    WHERE l.invoice_id = i.id) v
  WHERE i.organisation_id = $3 AND i.status = 'issued' AND i.customer_id IS NOT NULL
    AND (i.issued_at AT TIME ZONE b.timezone)::date >= ($2::date - interval '12 months')::date
    AND (i.issued_at AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1),
q AS (SELECT *, ntile(5) OVER (ORDER BY gp DESC, customer_id) AS n FROM c)
SELECT count(*), count(*) FILTER (WHERE n = 1), sum(revenue), sum(revenue) FILTER (WHERE n = 1),
       sum(revenue) FILTER (WHERE n = 1) / nullif(sum(revenue), 0), sum(gp) FILTER (WHERE n = 1) / nullif(sum(gp), 0)
FROM q WHERE $1::date IS NOT NULL`},
	{"car count (distinct vehicles with a repair order opened per business day)", "car_count", `
WITH open AS ( -- the days of [$1, $2) each branch opens: hours that weekday, not a holiday
  SELECT date_trunc('month', d)::date AS period, b.id AS branch_id, count(*) AS business_days
  FROM core.branch b CROSS JOIN generate_series($1::date, $2::date - 1, interval '1 day') d
  WHERE b.organisation_id = $3
    AND NOT coalesce(b.opening_hours -> 'holidays' ? to_char(d, 'YYYY-MM-DD'), false)
    AND coalesce((SELECT sum(extract(epoch FROM (w->>1)::time - (w->>0)::time))
                  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(b.opening_hours -> lower(to_char(d, 'Dy'))) = 'array'
                                                 THEN b.opening_hours -> lower(to_char(d, 'Dy')) ELSE '[]' END) w), 0) > 0
  GROUP BY 1, 2),
cars AS (
  SELECT date_trunc('month', day)::date AS period, branch_id, sum(n) AS car_count
  FROM (SELECT ro.branch_id, (ro.opened_at AT TIME ZONE b.timezone)::date AS day, count(DISTINCT ro.vehicle_id) AS n
        FROM workshop.repair_order ro JOIN core.branch b ON b.id = ro.branch_id
        WHERE ro.organisation_id = $3 AND ro.status <> 'cancelled'
          AND (ro.opened_at AT TIME ZONE b.timezone)::date >= $1::date AND (ro.opened_at AT TIME ZONE b.timezone)::date < $2::date
        GROUP BY 1, 2) d
  GROUP BY 1, 2)
SELECT period, branch_id, coalesce(c.car_count, 0), coalesce(o.business_days, 0),
       coalesce(c.car_count, 0)::float8 / nullif(o.business_days, 0)
FROM cars c FULL JOIN open o USING (period, branch_id) ORDER BY 1, 2`},
	{"booking heatmap (weekday × hour of day)", "booking_heatmap", `
SELECT bk.branch_id, extract(isodow FROM t.lt) AS isodow, to_char(t.lt, 'FMDay') AS weekday,
       extract(hour FROM t.lt) AS hour, count(*) AS bookings,
       count(*) FILTER (WHERE bk.status <> 'cancelled') AS booked,
       count(*) FILTER (WHERE bk.status IN ('arrived', 'converted')) AS arrived,
       count(*) FILTER (WHERE bk.status = 'no_show') AS no_show,
       sum(extract(epoch FROM upper(bk.period) - lower(bk.period)) / 3600) FILTER (WHERE bk.status <> 'cancelled') AS booked_hours,
       (count(*) FILTER (WHERE bk.status IN ('arrived', 'converted')))::float8
         / nullif(count(*) FILTER (WHERE bk.status <> 'cancelled'), 0) AS show_rate
FROM workshop.booking bk JOIN core.branch b ON b.id = bk.branch_id
CROSS JOIN LATERAL (SELECT lower(bk.period) AT TIME ZONE b.timezone AS lt) t
WHERE bk.organisation_id = $3 AND t.lt::date >= $1::date AND t.lt::date < $2::date
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 4`},
	{"hour-of-day demand profile", "booking_hour_profile", `
WITH h AS (
  SELECT bk.branch_id, extract(hour FROM lower(bk.period) AT TIME ZONE b.timezone)::int AS hour,
         count(*) AS bookings, count(*) FILTER (WHERE bk.status <> 'cancelled') AS booked
  FROM workshop.booking bk JOIN core.branch b ON b.id = bk.branch_id
  WHERE bk.organisation_id = $3
    AND (lower(bk.period) AT TIME ZONE b.timezone)::date >= $1::date AND (lower(bk.period) AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1, 2)
SELECT branch_id, hour, bookings, booked, bookings::float8 / sum(bookings) OVER (PARTITION BY branch_id),
       bookings::float8 / ($2::date - $1::date)
FROM h ORDER BY 1, 2`},
	{"staff utilisation (productive rostered ÷ rostered hours)", "staff_utilisation", `
SELECT date_trunc('month', lower(s.period) AT TIME ZONE b.timezone)::date AS period, s.branch_id,
       coalesce(sum(h.h) FILTER (WHERE s.productive), 0) AS productive, sum(h.h) AS rostered,
       coalesce(sum(h.h) FILTER (WHERE s.productive), 0) / nullif(sum(h.h), 0) AS utilisation
FROM core.staff_shift s JOIN core.branch b ON b.id = s.branch_id
CROSS JOIN LATERAL (SELECT extract(epoch FROM upper(s.period) - lower(s.period)) / 3600 - s.break_minutes / 60.0 AS h) h
WHERE s.active AND s.organisation_id = $3
  AND (lower(s.period) AT TIME ZONE b.timezone)::date >= $1::date AND (lower(s.period) AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	// The computed reorder point is PostgreSQL's own definition,
	// inventory.computed_reorder_points (what the API writes back); usage
	// over 28 days for days of cover; alerts on the point in force, as the
	// API's reorder suggestions, and on the computed one.
	{"inventory reorder (reorder point, days of cover, alerts)", "inventory_reorder", `
WITH used_28 AS (
  SELECT t.branch_id, t.part_id, -sum(t.quantity) AS used
  FROM inventory.inventory_transaction t JOIN core.branch b ON b.id = t.branch_id
  WHERE t.organisation_id = $3 AND t.kind IN ('issue', 'return')
    AND (t.occurred_at AT TIME ZONE b.timezone)::date >= $2::date - 28 AND (t.occurred_at AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1, 2),
s AS (
  SELECT sl.branch_id, sl.part_id, p.part_number, p.name, p.is_critical,
         sl.on_hand::float8 AS on_hand, sl.reserved::float8 AS reserved, sl.reorder_point::float8 AS configured,
         c.lead_time_days AS lead_days, c.average_daily_demand AS per_day, c.daily_demand_stddev AS sd,
         coalesce(u.used, 0)::float8 / 28 AS per_day_28, c.reorder_point
  FROM inventory.stock_level sl JOIN inventory.part p ON p.id = sl.part_id
  JOIN LATERAL inventory.computed_reorder_points(sl.branch_id, $2::date) c ON c.part_id = sl.part_id
  LEFT JOIN used_28 u ON u.branch_id = sl.branch_id AND u.part_id = sl.part_id
  WHERE sl.organisation_id = $3 AND $1::date IS NOT NULL)
SELECT branch_id, part_id, part_number, name, is_critical, on_hand, reserved, configured, lead_days,
       per_day, sd, per_day_28, reorder_point, on_hand / nullif(per_day_28, 0),
       on_hand - reserved <= 0, on_hand - reserved <= configured AND configured > 0,
       on_hand - reserved <= reorder_point AND reorder_point > 0
FROM s ORDER BY branch_id, part_id`},
	{"active customers (a paid repair order or ride in 12 months)", "active_customers", `
SELECT count(DISTINCT i.customer_id),
       count(DISTINCT i.customer_id) FILTER (WHERE i.repair_order_id IS NOT NULL),
       count(DISTINCT i.customer_id) FILTER (WHERE i.repair_order_id IS NULL)
FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
WHERE i.organisation_id = $3 AND i.status = 'issued' AND i.customer_id IS NOT NULL AND i.gross_total > 0
  AND i.gross_total <= (SELECT sum(a.amount) FROM finance.payment_allocation a WHERE a.invoice_id = i.id)
  AND (i.issued_at AT TIME ZONE b.timezone)::date >= ($2::date - interval '12 months')::date
  AND (i.issued_at AT TIME ZONE b.timezone)::date < $2::date AND $1::date IS NOT NULL`},
	{"customer journey (stage durations, CSAT by waiting time)", "customer_journey", `
WITH feedback AS (
  SELECT repair_order_id, avg(csat_score) AS csat FROM core.customer_feedback
  WHERE repair_order_id IS NOT NULL GROUP BY 1),
ro AS ( -- invoiced: invoiced_at, else the first issued invoice's issue time
  SELECT r.branch_id, extract(epoch FROM inv.at - r.opened_at) / 3600 AS waiting,
         extract(epoch FROM r.closed_at - inv.at) / 3600 AS closing, f.csat
  FROM workshop.repair_order r JOIN core.branch b ON b.id = r.branch_id
  CROSS JOIN LATERAL (SELECT coalesce(r.invoiced_at, (SELECT min(i.issued_at) FROM finance.invoice i
                                                      WHERE i.repair_order_id = r.id AND i.status = 'issued')) AS at) inv
  LEFT JOIN feedback f ON f.repair_order_id = r.id
  WHERE r.organisation_id = $3 AND inv.at IS NOT NULL
    AND (r.opened_at AT TIME ZONE b.timezone)::date >= $1::date AND (r.opened_at AT TIME ZONE b.timezone)::date < $2::date)
SELECT branch_id,
       CASE WHEN waiting < 4 THEN '0-4h' WHEN waiting < 8 THEN '4-8h' WHEN waiting < 24 THEN '8-24h' ELSE '24h+' END AS bucket,
       count(*), avg(waiting), avg(closing), avg(csat)
FROM ro GROUP BY 1, 2 ORDER BY branch_id, min(waiting)`},
	{"chauffeur on-time pickup", "chauffeur_on_time_pickup", `
SELECT date_trunc('month', r.pickup_at AT TIME ZONE b.timezone)::date AS period, r.branch_id,
       count(*) FILTER (WHERE r.status = 'completed') AS performed,
       count(*) FILTER (WHERE r.status = 'completed' AND t.on_time) AS on_time,
       (count(*) FILTER (WHERE r.status = 'completed' AND t.on_time))::float8
         / nullif(count(*) FILTER (WHERE r.status = 'completed'), 0) AS on_time_pickup
FROM chauffeur.ride_booking r JOIN core.branch b ON b.id = r.branch_id
CROSS JOIN LATERAL (SELECT r.on_location_at <= CASE WHEN r.service_type = 'airport_arrival'
    THEN coalesce(r.actual_landing_at + interval '15 minutes', r.pickup_at) ELSE r.pickup_at END AS on_time) t
WHERE r.organisation_id = $3
  AND (r.pickup_at AT TIME ZONE b.timezone)::date >= $1::date AND (r.pickup_at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	// Assigned hours within [$1, $2) from the chauffeur's branch's local midnight.
	{"chauffeur utilisation (assigned ÷ on-duty hours)", "chauffeur_utilisation", `
WITH w AS (SELECT c.id AS chauffeur_id,
                  tstzrange($1::date::timestamp AT TIME ZONE b.timezone, $2::date::timestamp AT TIME ZONE b.timezone) AS r
           FROM chauffeur.chauffeur c JOIN core.branch b ON b.id = c.branch_id),
duty AS (
  SELECT s.staff_id, sum(extract(epoch FROM upper(s.period) - lower(s.period)) / 3600 - s.break_minutes / 60.0) AS h
  FROM core.staff_shift s JOIN core.branch b ON b.id = s.branch_id
  WHERE s.active AND s.organisation_id = $3
    AND (lower(s.period) AT TIME ZONE b.timezone)::date >= $1::date AND (lower(s.period) AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1),
assigned AS (
  SELECT d.chauffeur_id, sum(coalesce(extract(epoch FROM upper(d.period * w.r) - lower(d.period * w.r)) / 3600, 0)) AS h
  FROM chauffeur.dispatch_assignment d JOIN w ON w.chauffeur_id = d.chauffeur_id
  WHERE d.organisation_id = $3 AND d.status IN ('accepted', 'completed')
  GROUP BY 1)
SELECT c.branch_id, c.id, coalesce(a.h, 0), coalesce(du.h, 0), a.h / nullif(du.h, 0)
FROM chauffeur.chauffeur c
LEFT JOIN duty du ON du.staff_id = c.id LEFT JOIN assigned a ON a.chauffeur_id = c.id
WHERE c.organisation_id = $3
ORDER BY 1, 2`},
	// Odometer of setting off (accepted or on the way), boarding and
	// drop-off from the ride's status events; a ride missing a reading is
	// left out.
	{"dead-head ratio (miles without passenger ÷ total miles)", "dead_head_ratio", `
WITH odo AS (
  SELECT ride_booking_id,
         min(odometer_miles) FILTER (WHERE to_status IN ('accepted', 'on_the_way')) AS set_off,
         max(odometer_miles) FILTER (WHERE to_status = 'passenger_on_board') AS boarded,
         max(odometer_miles) FILTER (WHERE to_status = 'completed') AS dropped
  FROM chauffeur.ride_status_event WHERE organisation_id = $3 GROUP BY 1)
SELECT date_trunc('month', r.pickup_at AT TIME ZONE b.timezone)::date AS period, r.branch_id, count(*) AS rides,
       sum(greatest(0, o.boarded - o.set_off)) AS dead_head, sum(greatest(0, o.dropped - o.set_off)) AS total,
       sum(greatest(0, o.boarded - o.set_off)) / nullif(sum(greatest(0, o.dropped - o.set_off)), 0) AS ratio
FROM chauffeur.ride_booking r JOIN core.branch b ON b.id = r.branch_id
LEFT JOIN odo o ON o.ride_booking_id = r.id
WHERE r.organisation_id = $3 AND r.status = 'completed'
  AND o.set_off IS NOT NULL AND o.boarded IS NOT NULL AND o.dropped IS NOT NULL
  AND (r.pickup_at AT TIME ZONE b.timezone)::date >= $1::date AND (r.pickup_at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	// Labour sales and sold hours of labour lines with a technician on
	// issued invoices; a branch-month where technicians clocked but nothing
	// was billed is a row too.
	{"effective labour rate (labour sales ÷ billed hours)", "effective_labour_rate", `
WITH billed AS (
  SELECT ll.organisation_id, ll.branch_id, i.issued_at AS at, il.net_amount AS sales, ll.sold_hours AS hours
  FROM workshop.labour_line ll
  JOIN finance.invoice_line il ON il.labour_line_id = ll.id
  JOIN finance.invoice i ON i.id = il.invoice_id AND i.status = 'issued'
  WHERE ll.technician_id IS NOT NULL
  UNION ALL
  SELECT e.organisation_id, e.branch_id, lower(e.period), 0, 0
  FROM core.time_clock_entry e
  WHERE NOT upper_inf(e.period) AND e.staff_id IN (SELECT staff_id FROM core.staff_role WHERE role = 'technician'))
SELECT date_trunc('month', x.at AT TIME ZONE b.timezone)::date AS period, x.branch_id,
       sum(x.sales) AS labour_sales, sum(x.hours) AS billed_hours, sum(x.sales) / nullif(sum(x.hours), 0) AS rate
FROM billed x JOIN core.branch b ON b.id = x.branch_id
WHERE x.organisation_id = $3
  AND (x.at AT TIME ZONE b.timezone)::date >= $1::date AND (x.at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"gross profit per repair order", "gross_profit_per_ro", `
WITH x AS (
  SELECT i.repair_order_id, min(i.issued_at) AS at, sum(l.net_amount) - ` + pgROCredited + ` AS revenue,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'part'), 0) AS pc,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'labour'), 0) AS lc,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'sublet'), 0) AS sc,
         coalesce(sum(l.cost_amount), 0) AS tc
  FROM finance.invoice i JOIN finance.invoice_line l ON l.invoice_id = i.id
  WHERE i.status = 'issued' AND i.repair_order_id IS NOT NULL GROUP BY 1)
SELECT date_trunc('month', x.at AT TIME ZONE b.timezone)::date AS period, ro.branch_id, count(*) AS ros,
       sum(x.revenue), sum(x.pc), sum(x.lc), sum(x.sc), sum(x.revenue - x.tc) AS gp,
       sum(x.revenue - x.tc) / count(*) AS gp_per_ro
FROM x JOIN workshop.repair_order ro ON ro.id = x.repair_order_id JOIN core.branch b ON b.id = ro.branch_id
WHERE ro.organisation_id = $3 AND x.revenue <> 0
  AND (x.at AT TIME ZONE b.timezone)::date >= $1::date AND (x.at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"RFM quintiles over 24 months", "rfm", `
` + pgRFMCustomers + `
SELECT customer_id, last_visit, $2::date - last_visit AS recency_days, frequency, monetary,
       ntile(5) OVER (ORDER BY last_visit, customer_id) AS r,
       ntile(5) OVER (ORDER BY frequency, customer_id) AS f,
       ntile(5) OVER (ORDER BY monetary, customer_id) AS m
FROM c ORDER BY customer_id`},
	{"RFM segments (customers per recency × frequency quintile)", "rfm_segments", `
` + pgRFMCustomers + `,
q AS (SELECT *, ntile(5) OVER (ORDER BY last_visit, customer_id) AS r, ntile(5) OVER (ORDER BY frequency, customer_id) AS f
      FROM c)
SELECT r, f, count(*), sum(monetary), avg(monetary), avg($2::date - last_visit), avg(frequency)
FROM q GROUP BY 1, 2 ORDER BY 1, 2`},
	// Lifetime value: gross profit after chauffeur pay and refunds; a year
	// of retention r (12-month return rate of the year before) discounted
	// at 10%.
	{"customer lifetime value (historical and predicted)", "customer_lifetime_value", `
` + pgCLVCustomers + `
SELECT customer_id, segment, first_visit, last_visit, invoices, revenue, gp, $2::date - first_visit,
       gp * 365.0 / greatest($2::date - first_visit, 365), r, gp * 365.0 / greatest($2::date - first_visit, 365) * r / (1.1 - r) AS predicted
FROM c ORDER BY predicted DESC NULLS LAST, customer_id`},
	{"customer lifetime value per segment", "clv_segments", `
` + pgCLVCustomers + `
SELECT segment, count(*), sum(gp), avg(gp), sum(gp * 365.0 / greatest($2::date - first_visit, 365) * r / (1.1 - r)),
       avg(gp * 365.0 / greatest($2::date - first_visit, 365) * r / (1.1 - r))
FROM c GROUP BY 1 ORDER BY 1`},
	{"customer margin (revenue, gross profit, margin per customer)", "customer_margin", `
SELECT i.customer_id, count(*) AS invoices, coalesce(sum(l.revenue - l.credited), 0) AS revenue,
       coalesce(sum(l.gp - l.credited), 0) AS gp, sum(l.gp - l.credited) / nullif(sum(l.revenue - l.credited), 0) AS margin
FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
LEFT JOIN LATERAL (SELECT sum(l.net_amount) AS revenue, sum(l.net_amount - l.cost_amount - coalesce(rc.chauffeur_payable_amount, 0)) AS gp
                          , ` + pgInvoiceCredited + ` AS credited
                   FROM finance.invoice_line l LEFT JOIN chauffeur.ride_charge rc ON rc.id = l.ride_charge_id
                   WHERE l.invoice_id = i.id) l ON true
WHERE i.organisation_id = $3 AND i.status = 'issued' AND i.customer_id IS NOT NULL
  AND (i.issued_at AT TIME ZONE b.timezone)::date >= $1::date AND (i.issued_at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1 ORDER BY gp DESC, 1`},
	// Each KPI over [from, to) per branch as its own analytic defines it,
	// then ranked (1 = best; the comeback rate lowest first).
	// Revenue and gross margin: both lines of business (customer invoices,
	// the chauffeur's pay a cost of a ride), each line's revenue beside.
	{"branch benchmark (KPIs per branch, ranked)", "branch_benchmark", `
WITH inv AS (
  SELECT i.branch_id, sum(l.revenue) AS revenue, sum(l.gp) AS gp,
         coalesce(sum(l.revenue) FILTER (WHERE i.repair_order_id IS NOT NULL), 0) AS workshop,
         coalesce(sum(l.revenue) FILTER (WHERE i.repair_order_id IS NULL), 0) AS chauffeur
  FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
  CROSS JOIN LATERAL (SELECT coalesce(sum(l.net_amount), 0) - ` + pgInvoiceCredited + ` AS revenue,
                             coalesce(sum(l.net_amount - l.cost_amount - coalesce(rc.chauffeur_payable_amount, 0)), 0) - ` + pgInvoiceCredited + ` AS gp
                      FROM finance.invoice_line l LEFT JOIN chauffeur.ride_charge rc ON rc.id = l.ride_charge_id
                      WHERE l.invoice_id = i.id) l
  WHERE i.organisation_id = $3 AND i.status = 'issued' AND i.customer_id IS NOT NULL
    AND (i.issued_at AT TIME ZONE b.timezone)::date >= $1::date AND (i.issued_at AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1),
ro AS (
  SELECT r.branch_id, count(*) FILTER (WHERE x.revenue <> 0) AS ros, sum(x.revenue) FILTER (WHERE x.revenue <> 0) AS aro_revenue
  FROM (SELECT i.repair_order_id, min(i.issued_at) AS at, sum(l.net_amount) - ` + pgROCredited + ` AS revenue
        FROM finance.invoice i JOIN finance.invoice_line l ON l.invoice_id = i.id
        WHERE i.status = 'issued' AND i.repair_order_id IS NOT NULL GROUP BY 1) x
  JOIN workshop.repair_order r ON r.id = x.repair_order_id JOIN core.branch b ON b.id = r.branch_id
  WHERE r.organisation_id = $3
    AND (x.at AT TIME ZONE b.timezone)::date >= $1::date AND (x.at AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1),
cars AS (
  SELECT branch_id, count(*) AS car_count
  FROM (SELECT DISTINCT r.branch_id, (r.opened_at AT TIME ZONE b.timezone)::date, r.vehicle_id
        FROM workshop.repair_order r JOIN core.branch b ON b.id = r.branch_id
        WHERE r.organisation_id = $3 AND r.status <> 'cancelled'
          AND (r.opened_at AT TIME ZONE b.timezone)::date >= $1::date
          AND (r.opened_at AT TIME ZONE b.timezone)::date < $2::date) v
  GROUP BY 1),
span AS (SELECT greatest($1::date, (min(lower(period)) AT TIME ZONE 'UTC')::date) AS lo,
                least($2::date - 1, (max(lower(period)) AT TIME ZONE 'UTC')::date) AS hi
         FROM workshop.booking WHERE organisation_id = $3),
capacity AS (
  SELECT b.id AS branch_id,
         sum((SELECT count(*) FROM workshop.service_bay s WHERE s.branch_id = b.id AND s.active) *
             coalesce((SELECT sum(extract(epoch FROM (w->>1)::time - (w->>0)::time)) / 3600
                       FROM jsonb_array_elements(` + pgOpenWindows("b", "d.day::date") + `) w), 0)) AS h
  FROM core.branch b, span, generate_series(span.lo, span.hi, interval '1 day') d(day)
  WHERE b.organisation_id = $3
  GROUP BY 1),
occupied AS (
  SELECT r.branch_id, sum(` + pgOpenHours + `) AS h
  FROM workshop.bay_reservation r JOIN core.branch b ON b.id = r.branch_id
  CROSS JOIN LATERAL (SELECT lower(r.period) AT TIME ZONE b.timezone AS ls, (lower(r.period) AT TIME ZONE b.timezone)::date AS day,
                             upper(r.period) - lower(r.period) AS len) t, span
  WHERE r.active AND r.organisation_id = $3 AND t.day BETWEEN span.lo AND span.hi
  GROUP BY 1),
staff AS (
  SELECT s.branch_id, coalesce(sum(h.h) FILTER (WHERE s.productive), 0) / nullif(sum(h.h), 0) AS utilisation
  FROM core.staff_shift s JOIN core.branch b ON b.id = s.branch_id
  CROSS JOIN LATERAL (SELECT extract(epoch FROM upper(s.period) - lower(s.period)) / 3600 - s.break_minutes / 60.0 AS h) h
  WHERE s.active AND s.organisation_id = $3
    AND (lower(s.period) AT TIME ZONE b.timezone)::date >= $1::date AND (lower(s.period) AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1),
csat AS (
  SELECT f.branch_id, avg(f.csat_score) AS csat
  FROM core.customer_feedback f JOIN core.branch b ON b.id = f.branch_id
  WHERE f.organisation_id = $3 AND f.csat_score IS NOT NULL
    AND (f.received_at AT TIME ZONE b.timezone)::date >= $1::date AND (f.received_at AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1),
comebacks AS (
  SELECT r.branch_id, avg(CASE WHEN EXISTS (
      SELECT 1 FROM workshop.repair_job j
      JOIN workshop.repair_job pj ON pj.job_category = j.job_category
      JOIN workshop.repair_order p ON p.id = pj.repair_order_id
      WHERE j.repair_order_id = r.id AND p.vehicle_id = r.vehicle_id AND p.id <> r.id
        AND p.status <> 'cancelled' AND pj.status NOT IN ('recommended', 'declined')
        AND p.closed_at <= r.opened_at AND r.opened_at < p.closed_at + interval '30 days')
    THEN 1.0 ELSE 0.0 END) AS rate
  FROM workshop.repair_order r JOIN core.branch b ON b.id = r.branch_id
  WHERE r.organisation_id = $3 AND r.closed_at IS NOT NULL AND r.status <> 'cancelled'
    AND (r.closed_at AT TIME ZONE b.timezone)::date >= $1::date AND (r.closed_at AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1),
k AS (
  SELECT br.id AS branch_id, br.code, br.name, coalesce(inv.revenue, 0) AS revenue, coalesce(inv.workshop, 0),
         coalesce(inv.chauffeur, 0), inv.gp / nullif(inv.revenue, 0) AS margin,
         coalesce(cars.car_count, 0) AS car_count, ro.aro_revenue / nullif(ro.ros, 0) AS aro,
         coalesce(occupied.h, 0) / nullif(capacity.h, 0) AS bay, staff.utilisation AS staff, csat.csat, comebacks.rate AS comeback
  FROM core.branch br
  LEFT JOIN inv ON inv.branch_id = br.id LEFT JOIN ro ON ro.branch_id = br.id LEFT JOIN cars ON cars.branch_id = br.id
  LEFT JOIN capacity ON capacity.branch_id = br.id LEFT JOIN occupied ON occupied.branch_id = br.id
  LEFT JOIN staff ON staff.branch_id = br.id LEFT JOIN csat ON csat.branch_id = br.id
  LEFT JOIN comebacks ON comebacks.branch_id = br.id
  WHERE br.organisation_id = $3)
SELECT *,
       rank() OVER (ORDER BY revenue DESC) AS revenue_rank,
       rank() OVER (ORDER BY margin DESC NULLS LAST),
       rank() OVER (ORDER BY car_count DESC),
       rank() OVER (ORDER BY aro DESC NULLS LAST),
       rank() OVER (ORDER BY bay DESC NULLS LAST),
       rank() OVER (ORDER BY staff DESC NULLS LAST),
       rank() OVER (ORDER BY csat DESC NULLS LAST),
       rank() OVER (ORDER BY comeback ASC NULLS LAST)
FROM k ORDER BY revenue_rank, branch_id`},
	// Hours within [$1, $2) from the vehicle's base branch's local midnight.
	{"fleet utilisation and revenue per vehicle hour", "fleet_utilisation", `
WITH w AS (SELECT f.id AS fleet_vehicle_id,
                  tstzrange($1::date::timestamp AT TIME ZONE b.timezone, $2::date::timestamp AT TIME ZONE b.timezone) AS r
           FROM chauffeur.fleet_vehicle f JOIN core.branch b ON b.id = f.branch_id),
assigned AS (
  SELECT d.fleet_vehicle_id, sum(coalesce(extract(epoch FROM upper(d.period * w.r) - lower(d.period * w.r)) / 3600, 0)) AS h
  FROM chauffeur.dispatch_assignment d JOIN w ON w.fleet_vehicle_id = d.fleet_vehicle_id
  WHERE d.organisation_id = $3 AND d.status IN ('accepted', 'completed')
  GROUP BY 1),
driven AS ( -- the vehicle of a ride: that of its last worked assignment
  SELECT DISTINCT ON (ride_booking_id) ride_booking_id, fleet_vehicle_id
  FROM chauffeur.dispatch_assignment WHERE status IN ('accepted', 'completed')
  ORDER BY ride_booking_id, id DESC),
revenue AS (
  SELECT dv.fleet_vehicle_id, sum(c.amount) FILTER (WHERE c.component <> 'gratuity') AS revenue
  FROM chauffeur.ride_booking r JOIN core.branch b ON b.id = r.branch_id
  JOIN driven dv ON dv.ride_booking_id = r.id
  LEFT JOIN chauffeur.ride_charge c ON c.ride_booking_id = r.id
  WHERE r.organisation_id = $3 AND r.status = 'completed'
    AND (r.pickup_at AT TIME ZONE b.timezone)::date >= $1::date AND (r.pickup_at AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1),
v AS (
  SELECT f.branch_id, f.id, f.vehicle_class::text AS class,
         coalesce(extract(epoch FROM upper(f.in_service * w.r) - lower(f.in_service * w.r)) / 3600, 0) AS in_service,
         coalesce(a.h, 0) AS assigned, coalesce(rv.revenue, 0) AS revenue
  FROM chauffeur.fleet_vehicle f JOIN w ON w.fleet_vehicle_id = f.id
  LEFT JOIN assigned a ON a.fleet_vehicle_id = f.id LEFT JOIN revenue rv ON rv.fleet_vehicle_id = f.id
  WHERE f.organisation_id = $3)
SELECT *, assigned / nullif(in_service, 0), revenue / nullif(in_service, 0)
FROM v ORDER BY branch_id, id`},
	// Rides a settlement covers: completed in its period, by the chauffeur
	// of their last worked assignment.
	{"settlement reconciliation (settled vs payable per chauffeur and period)", "settlement_reconciliation", `
WITH w AS (SELECT tstzrange($1::date::timestamp AT TIME ZONE 'UTC', $2::date::timestamp AT TIME ZONE 'UTC') AS r),
ride AS (
  SELECT DISTINCT ON (r.id) r.id, r.completed_at, d.chauffeur_id
  FROM chauffeur.ride_booking r
  JOIN chauffeur.dispatch_assignment d ON d.ride_booking_id = r.id AND d.status IN ('accepted', 'completed')
  WHERE r.status = 'completed'
  ORDER BY r.id, d.id DESC),
covered AS (
  SELECT s.id, count(DISTINCT r.id) AS rides, coalesce(sum(c.chauffeur_payable_amount), 0) AS payable
  FROM chauffeur.settlement s
  JOIN ride r ON r.chauffeur_id = s.chauffeur_id AND s.period @> r.completed_at
  LEFT JOIN chauffeur.ride_charge c ON c.ride_booking_id = r.id
  WHERE s.organisation_id = $3
  GROUP BY 1),
settled AS (SELECT settlement_id, sum(amount) AS amount FROM chauffeur.settlement_line GROUP BY 1)
SELECT s.id, s.branch_id, s.chauffeur_id, s.status::text, lower(s.period), upper(s.period), coalesce(cv.rides, 0),
       coalesce(st.amount, 0) AS settled, coalesce(cv.payable, 0) AS payable,
       coalesce(st.amount, 0) - coalesce(cv.payable, 0) AS difference,
       coalesce(st.amount, 0) <> coalesce(cv.payable, 0) AS mismatch
FROM chauffeur.settlement s CROSS JOIN w
LEFT JOIN covered cv ON cv.id = s.id LEFT JOIN settled st ON st.settlement_id = s.id
WHERE s.organisation_id = $3 AND s.period && w.r
ORDER BY mismatch DESC, lower(s.period), s.chauffeur_id`},
}

// pgVisits is every visit of organisation $3's customers with its day
// and revenue: a repair order opened for the customer (whoever pays for
// it) or a ride they booked completed, on the branch's local day, with
// the net amount of its issued invoices less their credit notes (a
// refund does not undo the visit, it lowers what it was worth). An
// invoice alone (a late-cancellation fee) is no visit.
const pgVisits = `
  SELECT ro.customer_id, (ro.opened_at AT TIME ZONE b.timezone)::date AS day,
         coalesce((SELECT sum(` + pgInvoiceNet + `) FROM finance.invoice i
                   WHERE i.repair_order_id = ro.id AND i.status = 'issued'), 0) AS revenue
  FROM workshop.repair_order ro JOIN core.branch b ON b.id = ro.branch_id
  WHERE ro.organisation_id = $3
  UNION ALL
  SELECT r.booker_customer_id, (r.completed_at AT TIME ZONE b.timezone)::date,
         coalesce((SELECT sum(` + pgInvoiceNet + `) FROM finance.invoice i
                   WHERE i.ride_booking_id = r.id AND i.status = 'issued'), 0)
  FROM chauffeur.ride_booking r JOIN core.branch b ON b.id = r.branch_id
  WHERE r.organisation_id = $3 AND r.status = 'completed' AND r.completed_at IS NOT NULL
    AND r.booker_customer_id IS NOT NULL`

// pgRFMCustomers is the per-customer recency, frequency and monetary value
// over the 24 months before $2 that the two RFM questions rank: the last
// visit, the days with a visit, and the revenue of those visits.
const pgRFMCustomers = `WITH visit AS (` + pgVisits + `),
inv AS (
  SELECT * FROM visit
  WHERE day >= ($2::date - interval '24 months')::date AND day < $2::date AND $1::date IS NOT NULL),
c AS (SELECT customer_id, max(day) AS last_visit, count(DISTINCT day) AS frequency, sum(revenue) AS monetary
      FROM inv GROUP BY 1)`

// pgOpenWindows is the jsonb array of a branch's opening windows on a day:
// the weekday's ([["08:00", "18:00"]]), none on a listed holiday.
func pgOpenWindows(branch, day string) string {
	wd := branch + ".opening_hours -> lower(to_char(" + day + ", 'Dy'))"
	return "CASE WHEN coalesce(" + branch + ".opening_hours -> 'holidays' ? to_char(" + day + ", 'YYYY-MM-DD'), false) THEN '[]'::jsonb " +
		"WHEN jsonb_typeof(" + wd + ") = 'array' THEN " + wd + " ELSE '[]'::jsonb END"
}

// pgOpenHours is the hours of a bay reservation (t.ls its local start,
// t.len its length, t.day its local day, b its branch) within the opening
// windows of its day.
var pgOpenHours = `coalesce((SELECT sum(greatest(0, extract(epoch FROM
    least(t.ls + t.len, t.day + (w->>1)::time) - greatest(t.ls, t.day + (w->>0)::time)))) / 3600
  FROM jsonb_array_elements(` + pgOpenWindows("b", "t.day") + `) w), 0)`

// pgInvoiceCredited is the net refunded by credit notes of invoice i:
// revenue and gross profit are net of it, on the invoice's day.
const pgInvoiceCredited = `coalesce((SELECT sum(cn.net_amount) FROM finance.credit_note cn WHERE cn.invoice_id = i.id), 0)`

// pgInvoiceNet is the net amount of invoice i less its credit notes.
const pgInvoiceNet = `coalesce((SELECT sum(l.net_amount) FROM finance.invoice_line l WHERE l.invoice_id = i.id), 0)
    - ` + pgInvoiceCredited

// pgROCredited is the net refunded by credit notes of the issued invoices
// of repair order i.repair_order_id.
const pgROCredited = `coalesce((SELECT sum(cn.net_amount) FROM finance.credit_note cn
  JOIN finance.invoice ci ON ci.id = cn.invoice_id WHERE ci.repair_order_id = i.repair_order_id AND ci.status = 'issued'), 0)`

// pgCLVCustomers is each customer's invoices before $2 (local days) with
// gross profit after chauffeur pay and refunds, their segment and the
// organisation's 12-month retention r, as c.
const pgCLVCustomers = `WITH inv AS (
  SELECT i.customer_id, (i.issued_at AT TIME ZONE b.timezone)::date AS day, i.repair_order_id IS NOT NULL AS workshop,
         v.revenue, v.gp
  FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(l.net_amount), 0) - ` + pgInvoiceCredited + ` AS revenue,
           coalesce(sum(l.net_amount - l.cost_amount - coalesce(rc.chauffeur_payable_amount, 0)), 0) - ` + pgInvoiceCredited + ` AS gp
    FROM finance.invoice_line l LEFT JOIN chauffeur.ride_charge rc ON rc.id = l.ride_charge_id
    WHERE l.invoice_id = i.id) v
  WHERE i.organisation_id = $3 AND i.status = 'issued' AND i.customer_id IS NOT NULL
    AND (i.issued_at AT TIME ZONE b.timezone)::date < $2::date AND $1::date IS NOT NULL),
per AS (
  SELECT customer_id, min(day) AS first_visit, max(day) AS last_visit, count(*) AS invoices, sum(revenue) AS revenue, sum(gp) AS gp,
         CASE WHEN bool_and(workshop) THEN 'workshop' WHEN NOT bool_or(workshop) THEN 'chauffeur' ELSE 'both' END AS segment,
         bool_or(day >= ($2::date - interval '24 months')::date AND day < ($2::date - interval '12 months')::date) AS before,
         bool_or(day >= ($2::date - interval '12 months')::date) AS last_year
  FROM inv GROUP BY 1),
ret AS (SELECT (count(*) FILTER (WHERE before AND last_year))::float8 / nullif(count(*) FILTER (WHERE before), 0) AS r FROM per),
c AS (SELECT per.*, ret.r FROM per, ret)`
