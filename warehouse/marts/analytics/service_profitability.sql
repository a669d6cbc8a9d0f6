-- True margin per job category and labour operation; a service is high
-- volume when it has at least the average number of jobs per service.
WITH s AS (
  SELECT job_category, labour_operation_code, any_value(labour_operation_name) AS labour_operation_name,
         count(*) AS jobs, sum(labour_sales) AS labour_sales, sum(parts_sales) AS parts_sales,
         sum(technician_cost) AS technician_cost, sum(parts_cost) AS parts_cost, sum(sublet_cost) AS sublet_cost,
         sum(applied_hours) AS applied_hours, sum(overhead) AS overhead_allocated,
         sum(labour_sales + parts_sales - technician_cost - parts_cost - sublet_cost - overhead) AS true_margin
  FROM mart.job_profitability
  WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
  GROUP BY ALL
)
SELECT *, mart.ratio(true_margin, labour_sales + parts_sales) AS true_margin_pct,
       jobs >= avg(jobs) OVER () AND true_margin < 0 AS high_volume_negative_margin
FROM s
ORDER BY true_margin
