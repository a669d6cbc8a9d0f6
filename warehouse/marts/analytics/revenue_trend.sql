-- Revenue (net of tax, workshop and chauffeur) per period over [from, to)
-- with the same days a year earlier ([from, to) shifted back a year) and
-- year-on-year growth. Use granularity month, quarter or year. A period
-- cut by `from` or `to` holds only its days inside the window, and so does
-- its prior-year period.
WITH cur AS (
  SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id, line_of_business, sum(revenue) AS revenue
  FROM mart.customer_invoices
  WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
  GROUP BY ALL
),
prev AS (
  SELECT CAST(date_trunc($grain, day) + INTERVAL 1 YEAR AS DATE) AS period, branch_id, line_of_business, sum(revenue) AS revenue
  FROM mart.customer_invoices
  WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches)
    AND day >= CAST($from AS DATE) - INTERVAL 1 YEAR AND day < CAST($to AS DATE) - INTERVAL 1 YEAR
  GROUP BY ALL
)
SELECT cur.period, cur.branch_id, cur.line_of_business, cur.revenue,
       prev.revenue AS revenue_prior_year,
       mart.ratio(cur.revenue - prev.revenue, prev.revenue) AS revenue_yoy_growth
FROM cur
LEFT JOIN prev ON prev.branch_id = cur.branch_id AND prev.line_of_business = cur.line_of_business
  AND prev.period = cur.period
ORDER BY cur.period, cur.branch_id, cur.line_of_business
