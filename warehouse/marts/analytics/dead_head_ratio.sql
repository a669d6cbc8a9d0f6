-- Dead-head ratio = miles without a passenger (from setting off to the
-- passenger boarding) ÷ total miles of performed rides; a ride missing an
-- odometer reading (setting off, boarding or drop-off) is left out of both.
SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       count(*) AS rides_performed, sum(deadhead_miles) AS deadhead_miles, sum(total_miles) AS total_miles,
       mart.ratio(sum(deadhead_miles), sum(total_miles)) AS dead_head_ratio
FROM mart.ride_operations
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
  AND performed AND deadhead_miles IS NOT NULL AND total_miles IS NOT NULL
GROUP BY ALL
ORDER BY period, branch_id
