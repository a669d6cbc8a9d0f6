SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id, technician_id,
       sum(available_hours) AS available_hours, sum(applied_hours) AS applied_hours, sum(billed_hours) AS billed_hours,
       mart.ratio(sum(billed_hours), sum(applied_hours)) AS technician_efficiency,
       mart.ratio(sum(applied_hours), sum(available_hours)) AS technician_productivity,
       mart.ratio(sum(billed_hours), sum(available_hours)) AS technician_proficiency
FROM mart.technician_hours
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
  AND ($staff IS NULL OR technician_id = $staff)
GROUP BY ALL
ORDER BY period, branch_id, technician_id
