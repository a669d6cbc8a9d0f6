-- On-time pickup: on location at or before the scheduled pickup (airport
-- arrivals: at or before actual landing + 15 minutes) ÷ rides performed.
SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       count(*) FILTER (WHERE performed) AS rides_performed,
       count(*) FILTER (WHERE performed AND on_time) AS on_time_pickups,
       mart.ratio(count(*) FILTER (WHERE performed AND on_time), count(*) FILTER (WHERE performed)) AS on_time_pickup
FROM mart.ride_operations
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY ALL
ORDER BY period, branch_id
