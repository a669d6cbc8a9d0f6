-- Booking optimisation: demand by weekday × hour beside capacity.
SELECT branch_id, isodow(day) AS iso_weekday, dayname(day) AS weekday, hour_of_day,
       sum(bookings) AS bookings, sum(booked) AS booked, sum(arrived) AS arrived, sum(no_show) AS no_show,
       sum(booked_hours) AS booked_hours,
       mart.ratio(sum(arrived), sum(booked)) AS show_rate
FROM mart.booking_outcomes
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY ALL
ORDER BY branch_id, iso_weekday, hour_of_day
