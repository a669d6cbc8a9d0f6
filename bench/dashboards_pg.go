package bench

// pgQuestion is a headline dashboard question asked of PostgreSQL in plain
// SQL over the source tables (as superuser: no RLS), beside the marts
// analytic that answers it on DuckDB. $1 and $2 are the local dates
// [from, to) and $3 the organisation, as the analytic's Params.
type pgQuestion struct {
	name     string // what the dashboard asks
	analytic string // marts.Catalog() name
	sql      string
}

// pgQuestions follow the KPI definitions of the marts (DOMAIN.md) with
// PostgreSQL ranges and time zones; the first five are the independent
// computations of warehouse/marts/generated_test.go, parameterised.
var pgQuestions = []pgQuestion{
	{"revenue by month with year-on-year", "revenue_trend", `
WITH r AS (
  SELECT date_trunc('month', i.issued_at AT TIME ZONE b.timezone)::date AS period, i.branch_id,
         CASE WHEN i.repair_order_id IS NOT NULL THEN 'workshop' ELSE 'chauffeur' END AS lob,
         coalesce(sum(l.net_amount), 0) AS revenue
  FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
  LEFT JOIN finance.invoice_line l ON l.invoice_id = i.id
  WHERE i.organisation_id = $3 AND i.status = 'issued' AND i.customer_id IS NOT NULL
    AND (i.issued_at AT TIME ZONE b.timezone)::date >= ($1::date - interval '1 year')::date
    AND (i.issued_at AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1, 2, 3)
SELECT cur.period, cur.branch_id, cur.lob, cur.revenue, prev.revenue AS prior,
       (cur.revenue - prev.revenue) / nullif(prev.revenue, 0) AS yoy
FROM r cur LEFT JOIN r prev ON prev.branch_id = cur.branch_id AND prev.lob = cur.lob
  AND prev.period = (cur.period - interval '1 year')::date
WHERE cur.period >= date_trunc('month', $1::date)::date
ORDER BY 1, 2, 3`},
	{"average repair order (ARO)", "average_repair_order", `
SELECT date_trunc('month', x.at AT TIME ZONE b.timezone)::date, ro.branch_id, (sum(x.revenue) / count(*))::float8
FROM (SELECT i.repair_order_id, min(i.issued_at) AS at, sum(l.net_amount) AS revenue
      FROM finance.invoice i JOIN finance.invoice_line l ON l.invoice_id = i.id
      WHERE i.status = 'issued' AND i.repair_order_id IS NOT NULL GROUP BY 1) x
JOIN workshop.repair_order ro ON ro.id = x.repair_order_id
JOIN core.branch b ON b.id = ro.branch_id
WHERE ro.organisation_id = $3 AND x.revenue <> 0
  AND (x.at AT TIME ZONE b.timezone)::date >= $1::date AND (x.at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"gross margin (parts, labour, total)", "gross_margin", `
WITH x AS (
  SELECT i.repair_order_id, min(i.issued_at) AS at, sum(l.net_amount) AS revenue,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'labour'), 0) AS ls,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'labour'), 0) AS lc,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'part'), 0) AS ps,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'part'), 0) AS pc,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'sublet'), 0) AS sc
  FROM finance.invoice i JOIN finance.invoice_line l ON l.invoice_id = i.id
  WHERE i.status = 'issued' AND i.repair_order_id IS NOT NULL GROUP BY 1)
SELECT date_trunc('month', x.at AT TIME ZONE b.timezone)::date AS period, ro.branch_id,
       sum(ps), sum(pc), sum(ls), sum(lc), sum(revenue), sum(pc + lc + sc),
       (sum(ps) - sum(pc)) / nullif(sum(ps), 0), (sum(ls) - sum(lc)) / nullif(sum(ls), 0),
       (sum(revenue) - sum(pc + lc + sc)) / nullif(sum(revenue), 0)
FROM x JOIN workshop.repair_order ro ON ro.id = x.repair_order_id JOIN core.branch b ON b.id = ro.branch_id
WHERE ro.organisation_id = $3
  AND (x.at AT TIME ZONE b.timezone)::date >= $1::date AND (x.at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"technician efficiency", "technician_efficiency", `
WITH tech AS (SELECT staff_id FROM core.staff_role WHERE role = 'technician'),
applied AS (
  SELECT e.branch_id, e.staff_id, sum(extract(epoch FROM upper(e.period) - lower(e.period)) / 3600) AS h
  FROM core.time_clock_entry e JOIN core.branch b ON b.id = e.branch_id
  WHERE e.organisation_id = $3 AND e.kind = 'job' AND NOT upper_inf(e.period)
    AND (lower(e.period) AT TIME ZONE b.timezone)::date >= $1::date AND (lower(e.period) AT TIME ZONE b.timezone)::date < $2::date
    AND e.staff_id IN (SELECT staff_id FROM tech)
  GROUP BY 1, 2),
billed AS (
  SELECT ll.branch_id, ll.technician_id AS staff_id, sum(ll.sold_hours) AS h
  FROM workshop.labour_line ll
  JOIN finance.invoice_line il ON il.labour_line_id = ll.id
  JOIN finance.invoice i ON i.id = il.invoice_id AND i.status = 'issued'
  JOIN core.branch b ON b.id = ll.branch_id
  WHERE ll.organisation_id = $3 AND (i.issued_at AT TIME ZONE b.timezone)::date >= $1::date
    AND (i.issued_at AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1, 2)
SELECT a.branch_id, a.staff_id, (coalesce(bl.h, 0) / a.h)::float8
FROM applied a LEFT JOIN billed bl USING (branch_id, staff_id) WHERE a.h > 0`},
	{"comeback rate", "comeback_rate", `
SELECT date_trunc('month', ro.closed_at AT TIME ZONE b.timezone)::date, ro.branch_id, avg(CASE WHEN EXISTS (
    SELECT 1 FROM workshop.repair_job j
    JOIN workshop.repair_job pj ON pj.job_category = j.job_category
    JOIN workshop.repair_order p ON p.id = pj.repair_order_id
    WHERE j.repair_order_id = ro.id AND p.vehicle_id = ro.vehicle_id AND p.id <> ro.id
      AND p.closed_at <= ro.opened_at AND ro.opened_at < p.closed_at + interval '30 days')
  THEN 1.0 ELSE 0.0 END)::float8
FROM workshop.repair_order ro JOIN core.branch b ON b.id = ro.branch_id
WHERE ro.organisation_id = $3 AND ro.closed_at IS NOT NULL
  AND (ro.closed_at AT TIME ZONE b.timezone)::date >= $1::date AND (ro.closed_at AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"show rate", "show_rate", `
SELECT date_trunc('month', lower(bk.period) AT TIME ZONE b.timezone)::date, bk.branch_id,
  (count(*) FILTER (WHERE bk.status IN ('arrived', 'converted')))::float8 / nullif(count(*) FILTER (WHERE bk.status <> 'cancelled'), 0)
FROM workshop.booking bk JOIN core.branch b ON b.id = bk.branch_id
WHERE bk.organisation_id = $3
  AND (lower(bk.period) AT TIME ZONE b.timezone)::date >= $1::date AND (lower(bk.period) AT TIME ZONE b.timezone)::date < $2::date
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"bay utilisation", "bay_utilisation", `
WITH span AS (SELECT greatest($1::date, min(lower(period))::date) AS lo, least($2::date - 1, max(lower(period))::date) AS hi
              FROM workshop.booking),
cal AS (
  SELECT b.id AS branch_id, d::date AS day,
         (SELECT count(*) FROM workshop.service_bay s WHERE s.branch_id = b.id AND s.active) *
         coalesce((SELECT sum(extract(epoch FROM (w->>1)::time - (w->>0)::time)) / 3600
                   FROM jsonb_array_elements(b.opening_hours -> lower(to_char(d, 'Dy'))) w), 0) AS open_h
  FROM core.branch b, span, generate_series(span.lo, span.hi, interval '1 day') d
  WHERE b.organisation_id = $3),
occ AS (
  SELECT r.branch_id, (lower(r.period) AT TIME ZONE b.timezone)::date AS day,
         sum(extract(epoch FROM upper(r.period) - lower(r.period))) / 3600 AS h
  FROM workshop.bay_reservation r JOIN core.branch b ON b.id = r.branch_id
  WHERE r.active AND r.organisation_id = $3
    AND (lower(r.period) AT TIME ZONE b.timezone)::date >= $1::date AND (lower(r.period) AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1, 2)
SELECT date_trunc('month', c.day)::date, c.branch_id, sum(coalesce(o.h, 0)), sum(c.open_h),
       sum(coalesce(o.h, 0)) / nullif(sum(c.open_h), 0)
FROM cal c LEFT JOIN occ o USING (branch_id, day)
GROUP BY 1, 2 ORDER BY 1, 2`},
	{"high-value customers (top 20% by 12-month gross profit)", "high_value_customers", `
WITH c AS (
  SELECT i.customer_id, sum(coalesce(l.gp, 0)) AS gp, sum(coalesce(l.revenue, 0)) AS revenue
  FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
  LEFT JOIN (SELECT invoice_id, sum(net_amount) AS revenue, sum(net_amount - coalesce(cost_amount, 0)) AS gp
             FROM finance.invoice_line GROUP BY 1) l ON l.invoice_id = i.id
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
WITH v AS (
  SELECT DISTINCT i.customer_id, (i.issued_at AT TIME ZONE b.timezone)::date AS day
  FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
  WHERE i.organisation_id = $3 AND i.status = 'issued' AND i.customer_id IS NOT NULL
    AND (i.issued_at AT TIME ZONE b.timezone)::date < $2::date AND $1::date IS NOT NULL),
gaps AS (SELECT customer_id, day, day - lag(day) OVER (PARTITION BY customer_id ORDER BY day) AS gap FROM v),
own AS (SELECT customer_id, count(*) AS visits, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS med, max(day) AS last
        FROM gaps GROUP BY 1),
shop AS (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS m FROM gaps)
SELECT customer_id, visits, last, $2::date - last, coalesce(med, shop.m), med IS NULL,
       ($2::date - last) > 1.5 * coalesce(med, shop.m)
FROM own, shop ORDER BY customer_id`},
	{"high-value customers' share of revenue", "high_value_customer_share", `
WITH c AS (
  SELECT i.customer_id, sum(l.net_amount - coalesce(l.cost_amount, 0)) AS gp, sum(l.net_amount) AS revenue
  FROM finance.invoice i JOIN core.branch b ON b.id = i.branch_id
  LEFT JOIN finance.invoice_line l ON l.invoice_id = i.id
  WHERE i.organisation_id = $3 AND i.status = 'issued' AND i.customer_id IS NOT NULL
    AND (i.issued_at AT TIME ZONE b.timezone)::date >= ($2::date - interval '12 months')::date
    AND (i.issued_at AT TIME ZONE b.timezone)::date < $2::date
  GROUP BY 1),
q AS (SELECT *, ntile(5) OVER (ORDER BY coalesce(gp, 0) DESC, customer_id) AS n FROM c)
SELECT (sum(revenue) FILTER (WHERE n = 1) / sum(revenue))::float8 FROM q WHERE $1::date IS NOT NULL`},
}
