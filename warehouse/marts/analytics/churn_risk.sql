-- Churn risk rule as of `to`: days since the last visit > 1.5 × the
-- customer's median interval between visits (the shop-wide median of all
-- intervals for one-visit customers).
WITH v AS (
  SELECT DISTINCT customer_id, day FROM mart.customer_invoices
  WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day < $to
),
gaps AS (
  SELECT customer_id, day, date_diff('day', lag(day) OVER (PARTITION BY customer_id ORDER BY day), day) AS gap FROM v
),
own AS (
  SELECT customer_id, count(*) AS visits, median(gap) AS median_interval_days, max(day) AS last_visit
  FROM gaps GROUP BY 1
),
shop AS (SELECT median(gap) AS m FROM gaps)
SELECT customer_id, visits, last_visit, date_diff('day', last_visit, CAST($to AS DATE)) AS days_since_last_visit,
       coalesce(median_interval_days, shop.m) AS median_interval_days,
       median_interval_days IS NULL AS uses_shop_median,
       date_diff('day', last_visit, CAST($to AS DATE)) > 1.5 * coalesce(median_interval_days, shop.m) AS churn_risk
FROM own, shop
ORDER BY customer_id
