-- Active customers: at least one paid repair order or ride in the 12 months
-- before `to`.
SELECT count(DISTINCT customer_id) FILTER (WHERE paid) AS active_customers,
       count(DISTINCT customer_id) FILTER (WHERE paid AND line_of_business = 'workshop') AS active_workshop_customers,
       count(DISTINCT customer_id) FILTER (WHERE paid AND line_of_business = 'chauffeur') AS active_chauffeur_customers
FROM mart.customer_invoices
WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches)
  AND day >= CAST($to AS DATE) - INTERVAL 12 MONTH AND day < $to
