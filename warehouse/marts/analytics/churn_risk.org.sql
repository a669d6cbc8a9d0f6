-- churn_risk without a branch filter: the same rule from the
-- organisation-wide visit intervals (each customer's visit count and
-- running median interval at their last visit before `to`).
WITH own AS (
  SELECT customer_id, max(visit_number) AS visits, arg_max_null(median_gap, day) AS median_interval_days,
         max(day) AS last_visit
  FROM mart.customer_visit_intervals WHERE organisation_id = $org AND day < $to GROUP BY 1
),
shop AS (SELECT median(gap) AS m FROM mart.customer_visit_intervals WHERE organisation_id = $org AND day < $to)
SELECT customer_id, visits, last_visit, date_diff('day', last_visit, CAST($to AS DATE)) AS days_since_last_visit,
       coalesce(median_interval_days, shop.m) AS median_interval_days,
       median_interval_days IS NULL AS uses_shop_median,
       date_diff('day', last_visit, CAST($to AS DATE)) > 1.5 * coalesce(median_interval_days, shop.m) AS churn_risk
FROM own, shop
ORDER BY customer_id
