SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       count(*) AS ros_closed, count(*) FILTER (WHERE is_comeback) AS comebacks,
       count(*) FILTER (WHERE is_recorded_comeback) AS recorded_comebacks,
       mart.ratio(count(*) FILTER (WHERE is_comeback), count(*)) AS comeback_rate
FROM mart.repair_order_closures
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY ALL
ORDER BY period, branch_id
