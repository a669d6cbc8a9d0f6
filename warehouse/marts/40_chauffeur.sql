-- Chauffeur marts: ride operations (outcome, assignment, odometer), then rides
-- with their revenue and the chauffeur's pay.

CREATE OR REPLACE VIEW mart_view.ride_operations AS
WITH odo AS (
  SELECT ride_booking_id,
         CAST(min(odometer_miles) FILTER (WHERE to_status IN ('accepted', 'on_the_way')) AS DOUBLE) AS odo_start,
         CAST(max(odometer_miles) FILTER (WHERE to_status = 'passenger_on_board') AS DOUBLE) AS odo_board,
         CAST(max(odometer_miles) FILTER (WHERE to_status = 'completed') AS DOUBLE) AS odo_end
  FROM chauffeur.ride_status_event GROUP BY 1
),
assigned AS (
  SELECT ride_booking_id, arg_max(chauffeur_id, id) AS chauffeur_id, arg_max(fleet_vehicle_id, id) AS fleet_vehicle_id
  FROM chauffeur.dispatch_assignment WHERE status IN ('accepted', 'completed') GROUP BY 1
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT b.timezone AS tz, mart.utc_day_key(r.pickup_at) AS k
        FROM chauffeur.ride_booking r JOIN core.branch b ON b.id = r.branch_id)
)
SELECT r.organisation_id, r.branch_id, r.id AS ride_booking_id, r.service_type, r.status,
       mart.local_day_at(r.pickup_at, b.timezone, ot.o0, ot.o1) AS day, r.pickup_at, r.actual_landing_at, r.on_location_at,
       r.completed_at, a.chauffeur_id, a.fleet_vehicle_id,
       r.status = 'completed' AS performed,
       r.on_location_at IS NOT NULL AND r.on_location_at <= CASE
         WHEN r.service_type = 'airport_arrival' AND r.actual_landing_at IS NOT NULL
         THEN r.actual_landing_at + mart.landing_grace()
         ELSE r.pickup_at END AS on_time,
       -- NULL when a reading is missing (greatest() alone would make it 0)
       CASE WHEN o.odo_board - o.odo_start IS NOT NULL THEN greatest(0, o.odo_board - o.odo_start) END AS deadhead_miles,
       CASE WHEN o.odo_end - o.odo_start IS NOT NULL THEN greatest(0, o.odo_end - o.odo_start) END AS total_miles
FROM chauffeur.ride_booking r
JOIN core.branch b ON b.id = r.branch_id
LEFT JOIN off ot ON ot.tz = b.timezone AND ot.k = mart.utc_day_key(r.pickup_at)
LEFT JOIN odo o ON o.ride_booking_id = r.id
LEFT JOIN assigned a ON a.ride_booking_id = r.id;

-- Rides with their money: ride_operations plus the revenue (charges but
-- gratuity) and what the chauffeur is paid (masked from roles that may not
-- see pay, so the operational KPIs read ride_operations instead).
CREATE OR REPLACE VIEW mart_view.rides AS
WITH charges AS (
  SELECT ride_booking_id,
         CAST(sum(amount) FILTER (WHERE component <> 'gratuity') AS DOUBLE) AS ride_revenue,
         CAST(sum(chauffeur_payable_amount) AS DOUBLE) AS chauffeur_payable
  FROM chauffeur.ride_charge GROUP BY 1
)
SELECT r.*, coalesce(c.ride_revenue, 0) AS ride_revenue, coalesce(c.chauffeur_payable, 0) AS chauffeur_payable
FROM mart.ride_operations r
LEFT JOIN charges c ON c.ride_booking_id = r.ride_booking_id;

-- Assignment periods that were worked (accepted or completed).
CREATE OR REPLACE VIEW mart_view.assignments AS
SELECT d.organisation_id, d.branch_id, d.chauffeur_id, d.fleet_vehicle_id, d.ride_booking_id,
       mart.range_lo(d.period) AS starts_at, mart.range_hi(d.period) AS ends_at
FROM chauffeur.dispatch_assignment d
WHERE d.status IN ('accepted', 'completed');

-- What the chauffeur is paid for the ride charges an invoice bills (a cost
-- of the customer's gross profit; finance and managers only).
CREATE OR REPLACE VIEW mart_view.invoice_chauffeur_pay AS
SELECT l.invoice_id, CAST(sum(rc.chauffeur_payable_amount) AS DOUBLE) AS chauffeur_pay
FROM finance.invoice_line l JOIN chauffeur.ride_charge rc ON rc.id = l.ride_charge_id
GROUP BY 1;
