-- Exclusion constraints (hand-written: Atlas HCL cannot express them).
--
-- Each is EXCLUDE USING gist (resource WITH =, period WITH &&) over
-- half-open [) tstzrange periods, so back-to-back periods are accepted and
-- overlaps fail with SQLSTATE 23P01 (exclusion_violation), which the API maps
-- to 409 slot-taken. Only "live" rows take part (WHERE active / status).
-- Idempotent: a constraint that already exists is left alone.

CREATE OR REPLACE FUNCTION pg_temp.add_exclusion(tbl regclass, name text, def text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = tbl AND conname = name) THEN
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', tbl, name, def);
  END IF;
END
$$;

-- A bay holds one booking at a time.
SELECT pg_temp.add_exclusion('workshop.bay_reservation', 'bay_reservation_no_overlap',
  'EXCLUDE USING gist (bay_id WITH =, period WITH &&) WHERE (active)');
-- A technician works one booking at a time.
SELECT pg_temp.add_exclusion('workshop.technician_booking', 'technician_booking_no_overlap',
  'EXCLUDE USING gist (technician_id WITH =, period WITH &&) WHERE (active)');
-- A chauffeur drives one ride at a time while offered or accepted.
SELECT pg_temp.add_exclusion('chauffeur.dispatch_assignment', 'dispatch_assignment_chauffeur_no_overlap',
  $$EXCLUDE USING gist (chauffeur_id WITH =, period WITH &&) WHERE (status IN ('offered', 'accepted'))$$);
-- A fleet vehicle serves one ride at a time while offered or accepted.
SELECT pg_temp.add_exclusion('chauffeur.dispatch_assignment', 'dispatch_assignment_vehicle_no_overlap',
  $$EXCLUDE USING gist (fleet_vehicle_id WITH =, period WITH &&) WHERE (status IN ('offered', 'accepted'))$$);
-- One rostered shift per staff member at a time.
SELECT pg_temp.add_exclusion('core.staff_shift', 'staff_shift_no_overlap',
  'EXCLUDE USING gist (staff_id WITH =, period WITH &&) WHERE (active)');
-- Attendance clock periods of a staff member never overlap (available hours
-- are not double counted); job clocks may overlap attendance.
SELECT pg_temp.add_exclusion('core.time_clock_entry', 'time_clock_entry_attendance_no_overlap',
  $$EXCLUDE USING gist (staff_id WITH =, period WITH &&) WHERE (kind = 'attendance')$$);
-- One keeper per vehicle at a time.
SELECT pg_temp.add_exclusion('core.vehicle_ownership', 'vehicle_ownership_one_keeper',
  'EXCLUDE USING gist (vehicle_id WITH =, period WITH &&)');
-- One pay rule per chauffeur and charge component at any moment.
SELECT pg_temp.add_exclusion('chauffeur.chauffeur_pay_rule', 'chauffeur_pay_rule_no_overlap',
  'EXCLUDE USING gist (chauffeur_id WITH =, component WITH =, effective WITH &&)');

CALL core.claim_ownership();
