-- Exclusion constraints per tenant (hand-written). An overlap check runs
-- when the row enters the index, before the statement's foreign-key checks,
-- so a write naming another organisation's technician, bay, chauffeur or
-- vehicle used to fail with 23P01 (409 slot-taken) and reveal that the
-- other tenant's resource was busy. Each constraint now starts with
-- organisation_id WITH =: rows of different organisations never conflict,
-- the composite foreign key refuses the cross-tenant row (23503) instead,
-- and within one organisation the rule is unchanged (the tenant keys make a
-- resource belong to exactly one organisation). Names are kept.

ALTER TABLE workshop.bay_reservation DROP CONSTRAINT bay_reservation_no_overlap,
  ADD CONSTRAINT bay_reservation_no_overlap
  EXCLUDE USING gist (organisation_id WITH =, bay_id WITH =, period WITH &&) WHERE (active);
ALTER TABLE workshop.technician_booking DROP CONSTRAINT technician_booking_no_overlap,
  ADD CONSTRAINT technician_booking_no_overlap
  EXCLUDE USING gist (organisation_id WITH =, technician_id WITH =, period WITH &&) WHERE (active);
ALTER TABLE chauffeur.dispatch_assignment DROP CONSTRAINT dispatch_assignment_chauffeur_no_overlap,
  ADD CONSTRAINT dispatch_assignment_chauffeur_no_overlap
  EXCLUDE USING gist (organisation_id WITH =, chauffeur_id WITH =, period WITH &&) WHERE (status IN ('offered', 'accepted'));
ALTER TABLE chauffeur.dispatch_assignment DROP CONSTRAINT dispatch_assignment_vehicle_no_overlap,
  ADD CONSTRAINT dispatch_assignment_vehicle_no_overlap
  EXCLUDE USING gist (organisation_id WITH =, fleet_vehicle_id WITH =, period WITH &&) WHERE (status IN ('offered', 'accepted'));
ALTER TABLE core.staff_shift DROP CONSTRAINT staff_shift_no_overlap,
  ADD CONSTRAINT staff_shift_no_overlap
  EXCLUDE USING gist (organisation_id WITH =, staff_id WITH =, period WITH &&) WHERE (active);
ALTER TABLE core.time_clock_entry DROP CONSTRAINT time_clock_entry_attendance_no_overlap,
  ADD CONSTRAINT time_clock_entry_attendance_no_overlap
  EXCLUDE USING gist (organisation_id WITH =, staff_id WITH =, period WITH &&) WHERE (kind = 'attendance');
ALTER TABLE core.vehicle_ownership DROP CONSTRAINT vehicle_ownership_one_keeper,
  ADD CONSTRAINT vehicle_ownership_one_keeper
  EXCLUDE USING gist (organisation_id WITH =, vehicle_id WITH =, period WITH &&);
ALTER TABLE chauffeur.chauffeur_pay_rule DROP CONSTRAINT chauffeur_pay_rule_no_overlap,
  ADD CONSTRAINT chauffeur_pay_rule_no_overlap
  EXCLUDE USING gist (organisation_id WITH =, chauffeur_id WITH =, component WITH =, effective WITH &&);

CALL core.claim_ownership();
