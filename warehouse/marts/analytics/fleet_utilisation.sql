-- Fleet utilisation = vehicle hours on assignment ÷ in-service hours within
-- [from, to) of the vehicle's base branch: from local midnight to local
-- midnight (a day of a clock change has 23 or 25 hours); revenue per
-- vehicle hour = ride revenue (net of tax and gratuity) ÷ vehicle hours in
-- service.
WITH f AS (
  SELECT f.id AS fleet_vehicle_id, f.branch_id, f.vehicle_class, f.in_service,
         timezone(b.timezone, CAST(CAST($from AS DATE) AS TIMESTAMP)) AS w_from,
         timezone(b.timezone, CAST(CAST($to AS DATE) AS TIMESTAMP)) AS w_to
  FROM chauffeur.fleet_vehicle f JOIN core.branch b ON b.id = f.branch_id
  WHERE f.organisation_id = $org AND mart.in_scope(f.branch_id, $branches)
),
assigned AS (
  SELECT f.fleet_vehicle_id, sum(mart.overlap_hours(a.starts_at, a.ends_at, f.w_from, f.w_to)) AS assigned_hours
  FROM mart.assignments a JOIN f ON f.fleet_vehicle_id = a.fleet_vehicle_id
  WHERE a.organisation_id = $org GROUP BY 1
),
revenue AS (
  SELECT fleet_vehicle_id, sum(ride_revenue) AS ride_revenue FROM mart.rides
  WHERE organisation_id = $org AND performed AND day >= $from AND day < $to GROUP BY 1
),
v AS (
  SELECT f.branch_id, f.fleet_vehicle_id, f.vehicle_class,
         mart.overlap_hours(mart.range_lo(f.in_service), mart.range_hi(f.in_service), f.w_from, f.w_to) AS in_service_hours,
         coalesce(a.assigned_hours, 0) AS assigned_hours, coalesce(r.ride_revenue, 0) AS ride_revenue
  FROM f LEFT JOIN assigned a ON a.fleet_vehicle_id = f.fleet_vehicle_id
  LEFT JOIN revenue r ON r.fleet_vehicle_id = f.fleet_vehicle_id
)
SELECT *, mart.ratio(assigned_hours, in_service_hours) AS fleet_utilisation,
       mart.ratio(ride_revenue, in_service_hours) AS revenue_per_vehicle_hour
FROM v
ORDER BY branch_id, fleet_vehicle_id
