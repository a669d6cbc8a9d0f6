-- Chauffeur utilisation = assigned hours ÷ on-duty (rostered) hours, per
-- chauffeur over [from, to).
WITH duty AS (
  SELECT r.staff_id AS chauffeur_id, sum(r.rostered_hours) AS on_duty_hours
  FROM mart.rostered_hours r JOIN chauffeur.chauffeur c ON c.id = r.staff_id
  WHERE r.organisation_id = $org AND r.day >= $from AND r.day < $to GROUP BY 1
),
assigned AS (
  SELECT chauffeur_id, any_value(branch_id) AS branch_id,
         sum(mart.overlap_hours(starts_at, ends_at, CAST($from AS TIMESTAMPTZ), CAST($to AS TIMESTAMPTZ))) AS assigned_hours
  FROM mart.assignments WHERE organisation_id = $org GROUP BY 1
)
SELECT c.branch_id, c.id AS chauffeur_id, coalesce(a.assigned_hours, 0) AS assigned_hours,
       coalesce(d.on_duty_hours, 0) AS on_duty_hours,
       mart.ratio(a.assigned_hours, d.on_duty_hours) AS chauffeur_utilisation
FROM chauffeur.chauffeur c
LEFT JOIN duty d ON d.chauffeur_id = c.id LEFT JOIN assigned a ON a.chauffeur_id = c.id
WHERE c.organisation_id = $org AND mart.in_scope(c.branch_id, $branches)
ORDER BY c.branch_id, c.id
