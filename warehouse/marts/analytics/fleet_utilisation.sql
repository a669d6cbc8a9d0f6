-- Fleet utilisation = vehicle hours on assignment ÷ in-service hours within
-- [from, to); revenue per vehicle hour = ride revenue (net of tax and
-- gratuity) ÷ vehicle hours in service.
WITH assigned AS (
  SELECT fleet_vehicle_id,
         sum(mart.overlap_hours(starts_at, ends_at, CAST($from AS TIMESTAMPTZ), CAST($to AS TIMESTAMPTZ))) AS assigned_hours
  FROM mart.assignments WHERE organisation_id = $org GROUP BY 1
),
revenue AS (
  SELECT fleet_vehicle_id, sum(ride_revenue) AS ride_revenue FROM mart.rides
  WHERE organisation_id = $org AND performed AND day >= $from AND day < $to GROUP BY 1
),
v AS (
  SELECT f.branch_id, f.id AS fleet_vehicle_id, f.vehicle_class,
         mart.overlap_hours(mart.range_lo(f.in_service), mart.range_hi(f.in_service),
                            CAST($from AS TIMESTAMPTZ), CAST($to AS TIMESTAMPTZ)) AS in_service_hours,
         coalesce(a.assigned_hours, 0) AS assigned_hours, coalesce(r.ride_revenue, 0) AS ride_revenue
  FROM chauffeur.fleet_vehicle f
  LEFT JOIN assigned a ON a.fleet_vehicle_id = f.id LEFT JOIN revenue r ON r.fleet_vehicle_id = f.id
  WHERE f.organisation_id = $org AND mart.in_scope(f.branch_id, $branches)
)
SELECT *, mart.ratio(assigned_hours, in_service_hours) AS fleet_utilisation,
       mart.ratio(ride_revenue, in_service_hours) AS revenue_per_vehicle_hour
FROM v
ORDER BY branch_id, fleet_vehicle_id
