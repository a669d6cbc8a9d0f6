SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       sum(occupied_bay_hours) AS occupied_bay_hours, sum(bay_hours_open) AS bay_hours_open,
       mart.ratio(sum(occupied_bay_hours), sum(bay_hours_open)) AS bay_utilisation
FROM mart.bay_hours
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY ALL
ORDER BY period, branch_id
