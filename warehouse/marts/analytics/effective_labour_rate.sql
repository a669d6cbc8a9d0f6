SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       sum(labour_sales) AS labour_sales, sum(billed_hours) AS billed_hours,
       mart.ratio(sum(labour_sales), sum(billed_hours)) AS effective_labour_rate
FROM mart.technician_hours
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY ALL
ORDER BY period, branch_id
