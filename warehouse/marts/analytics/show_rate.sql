-- booked excludes timely cancellations; late cancellations are counted
-- separately (and stay in booked).
SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       sum(booked) AS booked, sum(arrived) AS arrived, sum(no_show) AS no_show,
       sum(late_cancelled) AS late_cancelled, sum(cancelled) AS cancelled,
       mart.ratio(sum(arrived), sum(booked)) AS show_rate,
       mart.ratio(sum(no_show), sum(booked)) AS no_show_rate,
       mart.ratio(sum(late_cancelled), sum(booked)) AS late_cancellation_rate
FROM mart.booking_outcomes
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY ALL
ORDER BY period, branch_id
