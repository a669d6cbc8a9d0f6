-- Hour-of-day demand profile per branch over [from, to): bookings by the
-- local hour of their planned start, booked (not cancelled), each hour's
-- share of the branch's bookings and its bookings per day of the window.
WITH h AS (
  SELECT branch_id, hour_of_day, sum(bookings) AS bookings, sum(booked) AS booked
  FROM mart.booking_outcomes
  WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
  GROUP BY ALL
)
SELECT branch_id, hour_of_day, bookings, booked,
       mart.ratio(bookings, sum(bookings) OVER (PARTITION BY branch_id)) AS share_of_bookings,
       mart.ratio(bookings, date_diff('day', CAST($from AS DATE), CAST($to AS DATE))) AS bookings_per_day
FROM h
ORDER BY branch_id, hour_of_day
