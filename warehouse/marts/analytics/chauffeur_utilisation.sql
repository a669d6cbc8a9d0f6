-- Chauffeur utilisation = assigned hours ÷ on-duty (rostered) hours, per
-- chauffeur over [from, to) of the chauffeur's branch, from local midnight
-- to local midnight.
WITH c AS (
  SELECT c.id AS chauffeur_id, c.branch_id,
         timezone(b.timezone, CAST(CAST($from AS DATE) AS TIMESTAMP)) AS w_from,
         timezone(b.timezone, CAST(CAST($to AS DATE) AS TIMESTAMP)) AS w_to
  FROM chauffeur.chauffeur c JOIN core.branch b ON b.id = c.branch_id
  WHERE c.organisation_id = $org AND mart.in_scope(c.branch_id, $branches)
),
duty AS (
  SELECT r.staff_id AS chauffeur_id, sum(r.rostered_hours) AS on_duty_hours
  FROM mart.rostered_hours r JOIN c ON c.chauffeur_id = r.staff_id
  WHERE r.organisation_id = $org AND r.day >= $from AND r.day < $to GROUP BY 1
),
assigned AS (
  SELECT c.chauffeur_id, sum(mart.overlap_hours(a.starts_at, a.ends_at, c.w_from, c.w_to)) AS assigned_hours
  FROM mart.assignments a JOIN c ON c.chauffeur_id = a.chauffeur_id
  WHERE a.organisation_id = $org GROUP BY 1
)
SELECT c.branch_id, c.chauffeur_id, coalesce(a.assigned_hours, 0) AS assigned_hours,
       coalesce(d.on_duty_hours, 0) AS on_duty_hours,
       mart.ratio(a.assigned_hours, d.on_duty_hours) AS chauffeur_utilisation
FROM c LEFT JOIN duty d ON d.chauffeur_id = c.chauffeur_id LEFT JOIN assigned a ON a.chauffeur_id = c.chauffeur_id
ORDER BY c.branch_id, c.chauffeur_id
