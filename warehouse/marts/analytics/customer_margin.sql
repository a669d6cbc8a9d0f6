-- Revenue, gross profit and margin per customer over [from, to).
SELECT customer_id, count(*) AS invoices, sum(revenue) AS revenue, sum(gross_profit) AS gross_profit,
       mart.ratio(sum(gross_profit), sum(revenue)) AS gross_margin
FROM mart.customer_invoices
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY 1
ORDER BY gross_profit DESC, customer_id
