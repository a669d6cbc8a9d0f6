-- Parts, labour and total gross margin = (sales − cost) ÷ sales, each; the
-- total's cost is every invoice line's cost (fees' included).
SELECT CAST(date_trunc($grain, day) AS DATE) AS period, branch_id,
       sum(parts_sales) AS parts_sales, sum(parts_cost) AS parts_cost,
       sum(labour_sales) AS labour_sales, sum(labour_cost) AS labour_cost,
       sum(revenue) AS total_sales, sum(total_cost) AS total_cost,
       mart.ratio(sum(parts_sales) - sum(parts_cost), sum(parts_sales)) AS parts_gross_margin,
       mart.ratio(sum(labour_sales) - sum(labour_cost), sum(labour_sales)) AS labour_gross_margin,
       mart.ratio(sum(revenue) - sum(total_cost), sum(revenue)) AS total_gross_margin
FROM mart.repair_order_financials
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY ALL
ORDER BY period, branch_id
