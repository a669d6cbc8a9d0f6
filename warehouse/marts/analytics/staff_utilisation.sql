SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       sum(productive_rostered_hours) AS productive_rostered_hours, sum(rostered_hours) AS rostered_hours,
       mart.ratio(sum(productive_rostered_hours), sum(rostered_hours)) AS staff_utilisation
FROM mart.rostered_hours
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY ALL
ORDER BY period, branch_id
