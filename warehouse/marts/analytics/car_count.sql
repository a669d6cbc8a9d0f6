-- car_count: vehicle-days in the period; car_count_per_business_day: its
-- average over the days with a repair order opened.
SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       sum(car_count) AS car_count, count(*) AS business_days,
       mart.ratio(sum(car_count), count(*)) AS car_count_per_business_day
FROM mart.car_count
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY ALL
ORDER BY period, branch_id
