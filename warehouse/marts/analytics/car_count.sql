-- car_count: vehicle-days in the period; business_days: the days of
-- [from, to) the branch was open (opening hours that weekday, not a
-- listed holiday); car_count_per_business_day: their ratio. A branch
-- has a row for every period with a business day or a car.
WITH days AS (
  SELECT CAST(unnest(generate_series(CAST($from AS DATE), CAST($to AS DATE) - 1, INTERVAL 1 DAY)) AS DATE) AS day
),
open AS (
  SELECT CAST(date_trunc($grain, d.day) AS DATE) AS period, b.id AS branch_id, count(*) AS business_days
  FROM core.branch b CROSS JOIN days d
  WHERE b.organisation_id = $org AND mart.in_scope(b.id, $branches) AND mart.opening_hours_on(b.opening_hours, d.day) > 0
  GROUP BY ALL
),
cars AS (
  SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id, sum(car_count) AS car_count
  FROM mart.car_count
  WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
  GROUP BY ALL
)
SELECT coalesce(c.period, o.period) AS period, coalesce(c.branch_id, o.branch_id) AS branch_id,
       coalesce(c.car_count, 0) AS car_count, coalesce(o.business_days, 0) AS business_days,
       mart.ratio(coalesce(c.car_count, 0), o.business_days) AS car_count_per_business_day
FROM cars c FULL JOIN open o ON o.period = c.period AND o.branch_id = c.branch_id
ORDER BY period, branch_id
