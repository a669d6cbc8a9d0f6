-- Revenue, gross profit (after chauffeur pay) and margin per customer over
-- [from, to).
SELECT customer_id, count(*) AS invoices, sum(revenue) AS revenue,
       sum(gross_profit - coalesce(p.chauffeur_pay, 0)) AS gross_profit,
       mart.ratio(sum(gross_profit - coalesce(p.chauffeur_pay, 0)), sum(revenue)) AS gross_margin
FROM mart.customer_invoices i LEFT JOIN mart.invoice_chauffeur_pay p ON p.invoice_id = i.invoice_id
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
GROUP BY 1
ORDER BY gross_profit DESC, customer_id
