-- RFM over the 24 months before `to`: recency (days since the last visit),
-- frequency (visits), monetary (revenue); quintile 5 is best on each.
WITH c AS (
  SELECT customer_id, max(day) AS last_visit, count(DISTINCT day) AS frequency, sum(revenue) AS monetary
  FROM mart.customer_invoices
  WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches)
    AND day >= CAST($to AS DATE) - INTERVAL 24 MONTH AND day < $to
  GROUP BY 1
)
SELECT customer_id, last_visit, date_diff('day', last_visit, CAST($to AS DATE)) AS recency_days, frequency, monetary,
       ntile(5) OVER (ORDER BY last_visit, customer_id) AS recency_quintile,
       ntile(5) OVER (ORDER BY frequency, customer_id) AS frequency_quintile,
       ntile(5) OVER (ORDER BY monetary, customer_id) AS monetary_quintile
FROM c
ORDER BY customer_id
