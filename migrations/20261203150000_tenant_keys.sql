-- atlas:nolint MF101

-- Tenant keys (hand-written): no row can reference another organisation's
-- row, whatever the API does. Foreign keys bypass row-level security, so a
-- single-column key (customer_id -> customer.id) let a write in
-- organisation 1 point at organisation 2's customer. Every reference
-- between two tenant tables is now the pair (organisation_id, x_id), and
-- every referenced table has a unique key on (organisation_id, id).
--
-- 1. Preflight: every existing reference is checked first; if any row
--    points into another organisation the migration stops and names each
--    offending key with a count and an example value.
-- 2. A unique constraint on (organisation_id, id) of each referenced table
--    (<table>_organisation_id_id_key). id is the primary key, so these
--    cannot find duplicates (lint MF101 is silenced above for that reason).
-- 3. Each single-column key is replaced, under the same name, by the
--    composite one. On plain tables it is added NOT VALID (enforced for new
--    writes at once, no full scan under the ALTER's lock); the next file,
--    20261203150100_tenant_keys_validate.sql, validates them in its own
--    transaction (SHARE UPDATE EXCLUSIVE: writes continue). PostgreSQL
--    cannot add a NOT VALID key on a partitioned table, so those are
--    validated here.
-- ON DELETE SET NULL keys name the one column to clear (PostgreSQL 15:
-- SET NULL (x_id)): clearing organisation_id too would break NOT NULL.
-- Locks: the preflight only reads; each ADD CONSTRAINT UNIQUE builds its
-- index under an ACCESS EXCLUSIVE lock of that table (a full index build:
-- plan a quiet moment on large tables); the keys take SHARE ROW EXCLUSIVE
-- briefly.
-- No key references INTO a partitioned table (they would need the
-- partition key in the referenced unique key). api.idempotency_key is not
-- a tenant table (its staff_id comes from the verified token) and is left
-- as it is.

DO $$
DECLARE
  r record;
  n bigint;
  example text;
  problems text[] := '{}';
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('audit.booking_history', 'booking_id', 'workshop.booking'),
    ('audit.booking_history', 'branch_id', 'core.branch'),
    ('chauffeur.chauffeur', 'branch_id', 'core.branch'),
    ('chauffeur.chauffeur', 'id', 'core.staff'),
    ('chauffeur.chauffeur_pay_rule', 'chauffeur_id', 'chauffeur.chauffeur'),
    ('chauffeur.dispatch_assignment', 'branch_id', 'core.branch'),
    ('chauffeur.dispatch_assignment', 'chauffeur_id', 'chauffeur.chauffeur'),
    ('chauffeur.dispatch_assignment', 'dispatcher_staff_id', 'core.staff'),
    ('chauffeur.dispatch_assignment', 'fleet_vehicle_id', 'chauffeur.fleet_vehicle'),
    ('chauffeur.dispatch_assignment', 'ride_booking_id', 'chauffeur.ride_booking'),
    ('chauffeur.fleet_vehicle', 'branch_id', 'core.branch'),
    ('chauffeur.fleet_vehicle', 'id', 'core.vehicle'),
    ('chauffeur.ride_booking', 'booker_customer_id', 'core.customer'),
    ('chauffeur.ride_booking', 'branch_id', 'core.branch'),
    ('chauffeur.ride_booking', 'passenger_customer_id', 'core.customer'),
    ('chauffeur.ride_charge', 'ride_booking_id', 'chauffeur.ride_booking'),
    ('chauffeur.ride_status_event', 'actor_staff_id', 'core.staff'),
    ('chauffeur.ride_status_event', 'ride_booking_id', 'chauffeur.ride_booking'),
    ('chauffeur.ride_stop', 'ride_booking_id', 'chauffeur.ride_booking'),
    ('chauffeur.settlement', 'approved_by_staff_id', 'core.staff'),
    ('chauffeur.settlement', 'branch_id', 'core.branch'),
    ('chauffeur.settlement', 'chauffeur_id', 'chauffeur.chauffeur'),
    ('chauffeur.settlement_line', 'ride_booking_id', 'chauffeur.ride_booking'),
    ('chauffeur.settlement_line', 'ride_charge_id', 'chauffeur.ride_charge'),
    ('chauffeur.settlement_line', 'settlement_id', 'chauffeur.settlement'),
    ('core.api_token', 'staff_id', 'core.staff'),
    ('core.customer', 'home_branch_id', 'core.branch'),
    ('core.customer', 'parent_customer_id', 'core.customer'),
    ('core.customer_consent', 'customer_id', 'core.customer'),
    ('core.customer_consent', 'recorded_by_staff_id', 'core.staff'),
    ('core.customer_feedback', 'branch_id', 'core.branch'),
    ('core.customer_feedback', 'customer_id', 'core.customer'),
    ('core.customer_feedback', 'repair_order_id', 'workshop.repair_order'),
    ('core.customer_feedback', 'ride_booking_id', 'chauffeur.ride_booking'),
    ('core.notification', 'branch_id', 'core.branch'),
    ('core.notification', 'recipient_customer_id', 'core.customer'),
    ('core.notification', 'recipient_staff_id', 'core.staff'),
    ('core.odometer_reading', 'repair_order_id', 'workshop.repair_order'),
    ('core.odometer_reading', 'vehicle_id', 'core.vehicle'),
    ('core.staff', 'home_branch_id', 'core.branch'),
    ('core.staff_role', 'branch_id', 'core.branch'),
    ('core.staff_role', 'staff_id', 'core.staff'),
    ('core.staff_shift', 'branch_id', 'core.branch'),
    ('core.staff_shift', 'staff_id', 'core.staff'),
    ('core.time_clock_entry', 'branch_id', 'core.branch'),
    ('core.time_clock_entry', 'repair_job_id', 'workshop.repair_job'),
    ('core.time_clock_entry', 'staff_id', 'core.staff'),
    ('core.vehicle_ownership', 'customer_id', 'core.customer'),
    ('core.vehicle_ownership', 'vehicle_id', 'core.vehicle'),
    ('finance.invoice', 'branch_id', 'core.branch'),
    ('finance.invoice', 'customer_id', 'core.customer'),
    ('finance.invoice', 'repair_order_id', 'workshop.repair_order'),
    ('finance.invoice', 'ride_booking_id', 'chauffeur.ride_booking'),
    ('finance.invoice_counter', 'branch_id', 'core.branch'),
    ('finance.invoice_line', 'invoice_id', 'finance.invoice'),
    ('finance.invoice_line', 'labour_line_id', 'workshop.labour_line'),
    ('finance.invoice_line', 'part_line_id', 'workshop.part_line'),
    ('finance.invoice_line', 'repair_job_id', 'workshop.repair_job'),
    ('finance.invoice_line', 'ride_charge_id', 'chauffeur.ride_charge'),
    ('finance.operating_expense', 'branch_id', 'core.branch'),
    ('finance.payment', 'branch_id', 'core.branch'),
    ('finance.payment', 'customer_id', 'core.customer'),
    ('finance.payment_allocation', 'invoice_id', 'finance.invoice'),
    ('finance.payment_allocation', 'payment_id', 'finance.payment'),
    ('inventory.inventory_transaction', 'branch_id', 'core.branch'),
    ('inventory.inventory_transaction', 'part_id', 'inventory.part'),
    ('inventory.inventory_transaction', 'part_line_id', 'workshop.part_line'),
    ('inventory.inventory_transaction', 'purchase_order_line_id', 'inventory.purchase_order_line'),
    ('inventory.inventory_transaction', 'staff_id', 'core.staff'),
    ('inventory.inventory_transaction', 'transfer_branch_id', 'core.branch'),
    ('inventory.purchase_order', 'branch_id', 'core.branch'),
    ('inventory.purchase_order', 'created_by_staff_id', 'core.staff'),
    ('inventory.purchase_order', 'supplier_id', 'inventory.supplier'),
    ('inventory.purchase_order_line', 'part_id', 'inventory.part'),
    ('inventory.purchase_order_line', 'purchase_order_id', 'inventory.purchase_order'),
    ('inventory.stock_level', 'branch_id', 'core.branch'),
    ('inventory.stock_level', 'part_id', 'inventory.part'),
    ('inventory.supplier_part', 'part_id', 'inventory.part'),
    ('inventory.supplier_part', 'supplier_id', 'inventory.supplier'),
    ('workshop.bay_reservation', 'bay_id', 'workshop.service_bay'),
    ('workshop.bay_reservation', 'booking_id', 'workshop.booking'),
    ('workshop.bay_reservation', 'branch_id', 'core.branch'),
    ('workshop.booking', 'booked_by_staff_id', 'core.staff'),
    ('workshop.booking', 'branch_id', 'core.branch'),
    ('workshop.booking', 'customer_id', 'core.customer'),
    ('workshop.booking', 'vehicle_id', 'core.vehicle'),
    ('workshop.labour_line', 'branch_id', 'core.branch'),
    ('workshop.labour_line', 'labour_operation_id', 'workshop.labour_operation'),
    ('workshop.labour_line', 'repair_job_id', 'workshop.repair_job'),
    ('workshop.labour_line', 'technician_id', 'core.staff'),
    ('workshop.part_line', 'branch_id', 'core.branch'),
    ('workshop.part_line', 'part_id', 'inventory.part'),
    ('workshop.part_line', 'repair_job_id', 'workshop.repair_job'),
    ('workshop.repair_job', 'assigned_technician_id', 'core.staff'),
    ('workshop.repair_job', 'branch_id', 'core.branch'),
    ('workshop.repair_job', 'labour_operation_id', 'workshop.labour_operation'),
    ('workshop.repair_job', 'repair_order_id', 'workshop.repair_order'),
    ('workshop.repair_order', 'advisor_staff_id', 'core.staff'),
    ('workshop.repair_order', 'booking_id', 'workshop.booking'),
    ('workshop.repair_order', 'branch_id', 'core.branch'),
    ('workshop.repair_order', 'comeback_of_repair_order_id', 'workshop.repair_order'),
    ('workshop.repair_order', 'customer_id', 'core.customer'),
    ('workshop.repair_order', 'vehicle_id', 'core.vehicle'),
    ('workshop.service_bay', 'branch_id', 'core.branch'),
    ('workshop.technician_booking', 'booking_id', 'workshop.booking'),
    ('workshop.technician_booking', 'branch_id', 'core.branch'),
    ('workshop.technician_booking', 'technician_id', 'core.staff')
  ) v(tbl, col, ref)
  LOOP
    EXECUTE format('SELECT count(*), min(c.%I)::text FROM %s c JOIN %s p ON p.id = c.%I WHERE p.organisation_id <> c.organisation_id',
                   r.col, r.tbl, r.ref, r.col) INTO n, example;
    IF n > 0 THEN
      problems := problems || format('%s.%s -> %s: %s row(s) point into another organisation (e.g. %s %s)', r.tbl, r.col, r.ref, n, r.col, example);
    END IF;
  END LOOP;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'cross-tenant references found; fix or remove these rows, then migrate again: %', array_to_string(problems, '; ')
      USING ERRCODE = 'foreign_key_violation';
  END IF;
END
$$;

ALTER TABLE chauffeur.chauffeur ADD CONSTRAINT chauffeur_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE chauffeur.fleet_vehicle ADD CONSTRAINT fleet_vehicle_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE chauffeur.ride_booking ADD CONSTRAINT ride_booking_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE chauffeur.ride_charge ADD CONSTRAINT ride_charge_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE chauffeur.settlement ADD CONSTRAINT settlement_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE core.branch ADD CONSTRAINT branch_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE core.customer ADD CONSTRAINT customer_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE core.staff ADD CONSTRAINT staff_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE core.vehicle ADD CONSTRAINT vehicle_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE finance.invoice ADD CONSTRAINT invoice_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE finance.payment ADD CONSTRAINT payment_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE inventory.part ADD CONSTRAINT part_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE inventory.purchase_order ADD CONSTRAINT purchase_order_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE inventory.purchase_order_line ADD CONSTRAINT purchase_order_line_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE inventory.supplier ADD CONSTRAINT supplier_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE workshop.booking ADD CONSTRAINT booking_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE workshop.labour_line ADD CONSTRAINT labour_line_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE workshop.labour_operation ADD CONSTRAINT labour_operation_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE workshop.part_line ADD CONSTRAINT part_line_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE workshop.repair_job ADD CONSTRAINT repair_job_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE workshop.repair_order ADD CONSTRAINT repair_order_organisation_id_id_key UNIQUE (organisation_id, id);
ALTER TABLE workshop.service_bay ADD CONSTRAINT service_bay_organisation_id_id_key UNIQUE (organisation_id, id);

ALTER TABLE audit.booking_history DROP CONSTRAINT booking_history_booking_id_fkey,
  ADD CONSTRAINT booking_history_booking_id_fkey FOREIGN KEY (organisation_id, booking_id) REFERENCES workshop.booking (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE audit.booking_history DROP CONSTRAINT booking_history_branch_id_fkey,
  ADD CONSTRAINT booking_history_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.chauffeur DROP CONSTRAINT chauffeur_branch_id_fkey,
  ADD CONSTRAINT chauffeur_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.chauffeur DROP CONSTRAINT chauffeur_id_fkey,
  ADD CONSTRAINT chauffeur_id_fkey FOREIGN KEY (organisation_id, id) REFERENCES core.staff (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE chauffeur.chauffeur_pay_rule DROP CONSTRAINT chauffeur_pay_rule_chauffeur_id_fkey,
  ADD CONSTRAINT chauffeur_pay_rule_chauffeur_id_fkey FOREIGN KEY (organisation_id, chauffeur_id) REFERENCES chauffeur.chauffeur (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE chauffeur.dispatch_assignment DROP CONSTRAINT dispatch_assignment_branch_id_fkey,
  ADD CONSTRAINT dispatch_assignment_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.dispatch_assignment DROP CONSTRAINT dispatch_assignment_chauffeur_id_fkey,
  ADD CONSTRAINT dispatch_assignment_chauffeur_id_fkey FOREIGN KEY (organisation_id, chauffeur_id) REFERENCES chauffeur.chauffeur (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.dispatch_assignment DROP CONSTRAINT dispatch_assignment_dispatcher_staff_id_fkey,
  ADD CONSTRAINT dispatch_assignment_dispatcher_staff_id_fkey FOREIGN KEY (organisation_id, dispatcher_staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE SET NULL (dispatcher_staff_id) NOT VALID;
ALTER TABLE chauffeur.dispatch_assignment DROP CONSTRAINT dispatch_assignment_fleet_vehicle_id_fkey,
  ADD CONSTRAINT dispatch_assignment_fleet_vehicle_id_fkey FOREIGN KEY (organisation_id, fleet_vehicle_id) REFERENCES chauffeur.fleet_vehicle (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.dispatch_assignment DROP CONSTRAINT dispatch_assignment_ride_booking_id_fkey,
  ADD CONSTRAINT dispatch_assignment_ride_booking_id_fkey FOREIGN KEY (organisation_id, ride_booking_id) REFERENCES chauffeur.ride_booking (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE chauffeur.fleet_vehicle DROP CONSTRAINT fleet_vehicle_branch_id_fkey,
  ADD CONSTRAINT fleet_vehicle_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.fleet_vehicle DROP CONSTRAINT fleet_vehicle_id_fkey,
  ADD CONSTRAINT fleet_vehicle_id_fkey FOREIGN KEY (organisation_id, id) REFERENCES core.vehicle (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE chauffeur.ride_booking DROP CONSTRAINT ride_booking_booker_customer_id_fkey,
  ADD CONSTRAINT ride_booking_booker_customer_id_fkey FOREIGN KEY (organisation_id, booker_customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.ride_booking DROP CONSTRAINT ride_booking_branch_id_fkey,
  ADD CONSTRAINT ride_booking_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.ride_booking DROP CONSTRAINT ride_booking_passenger_customer_id_fkey,
  ADD CONSTRAINT ride_booking_passenger_customer_id_fkey FOREIGN KEY (organisation_id, passenger_customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.ride_charge DROP CONSTRAINT ride_charge_ride_booking_id_fkey,
  ADD CONSTRAINT ride_charge_ride_booking_id_fkey FOREIGN KEY (organisation_id, ride_booking_id) REFERENCES chauffeur.ride_booking (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE chauffeur.ride_status_event DROP CONSTRAINT ride_status_event_actor_staff_id_fkey,
  ADD CONSTRAINT ride_status_event_actor_staff_id_fkey FOREIGN KEY (organisation_id, actor_staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE RESTRICT;
ALTER TABLE chauffeur.ride_status_event DROP CONSTRAINT ride_status_event_ride_booking_id_fkey,
  ADD CONSTRAINT ride_status_event_ride_booking_id_fkey FOREIGN KEY (organisation_id, ride_booking_id) REFERENCES chauffeur.ride_booking (organisation_id, id) ON DELETE RESTRICT;
ALTER TABLE chauffeur.ride_stop DROP CONSTRAINT ride_stop_ride_booking_id_fkey,
  ADD CONSTRAINT ride_stop_ride_booking_id_fkey FOREIGN KEY (organisation_id, ride_booking_id) REFERENCES chauffeur.ride_booking (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE chauffeur.settlement DROP CONSTRAINT settlement_approved_by_staff_id_fkey,
  ADD CONSTRAINT settlement_approved_by_staff_id_fkey FOREIGN KEY (organisation_id, approved_by_staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE SET NULL (approved_by_staff_id) NOT VALID;
ALTER TABLE chauffeur.settlement DROP CONSTRAINT settlement_branch_id_fkey,
  ADD CONSTRAINT settlement_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.settlement DROP CONSTRAINT settlement_chauffeur_id_fkey,
  ADD CONSTRAINT settlement_chauffeur_id_fkey FOREIGN KEY (organisation_id, chauffeur_id) REFERENCES chauffeur.chauffeur (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.settlement_line DROP CONSTRAINT settlement_line_ride_booking_id_fkey,
  ADD CONSTRAINT settlement_line_ride_booking_id_fkey FOREIGN KEY (organisation_id, ride_booking_id) REFERENCES chauffeur.ride_booking (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.settlement_line DROP CONSTRAINT settlement_line_ride_charge_id_fkey,
  ADD CONSTRAINT settlement_line_ride_charge_id_fkey FOREIGN KEY (organisation_id, ride_charge_id) REFERENCES chauffeur.ride_charge (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE chauffeur.settlement_line DROP CONSTRAINT settlement_line_settlement_id_fkey,
  ADD CONSTRAINT settlement_line_settlement_id_fkey FOREIGN KEY (organisation_id, settlement_id) REFERENCES chauffeur.settlement (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE core.api_token DROP CONSTRAINT api_token_staff_id_fkey,
  ADD CONSTRAINT api_token_staff_id_fkey FOREIGN KEY (organisation_id, staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE core.customer DROP CONSTRAINT customer_home_branch_id_fkey,
  ADD CONSTRAINT customer_home_branch_id_fkey FOREIGN KEY (organisation_id, home_branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE SET NULL (home_branch_id) NOT VALID;
ALTER TABLE core.customer DROP CONSTRAINT customer_parent_customer_id_fkey,
  ADD CONSTRAINT customer_parent_customer_id_fkey FOREIGN KEY (organisation_id, parent_customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE SET NULL (parent_customer_id) NOT VALID;
ALTER TABLE core.customer_consent DROP CONSTRAINT customer_consent_customer_id_fkey,
  ADD CONSTRAINT customer_consent_customer_id_fkey FOREIGN KEY (organisation_id, customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE core.customer_consent DROP CONSTRAINT customer_consent_recorded_by_staff_id_fkey,
  ADD CONSTRAINT customer_consent_recorded_by_staff_id_fkey FOREIGN KEY (organisation_id, recorded_by_staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE core.customer_feedback DROP CONSTRAINT customer_feedback_branch_id_fkey,
  ADD CONSTRAINT customer_feedback_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE SET NULL (branch_id) NOT VALID;
ALTER TABLE core.customer_feedback DROP CONSTRAINT customer_feedback_customer_id_fkey,
  ADD CONSTRAINT customer_feedback_customer_id_fkey FOREIGN KEY (organisation_id, customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE core.customer_feedback DROP CONSTRAINT customer_feedback_repair_order_id_fkey,
  ADD CONSTRAINT customer_feedback_repair_order_id_fkey FOREIGN KEY (organisation_id, repair_order_id) REFERENCES workshop.repair_order (organisation_id, id) ON DELETE SET NULL (repair_order_id) NOT VALID;
ALTER TABLE core.customer_feedback DROP CONSTRAINT customer_feedback_ride_booking_id_fkey,
  ADD CONSTRAINT customer_feedback_ride_booking_id_fkey FOREIGN KEY (organisation_id, ride_booking_id) REFERENCES chauffeur.ride_booking (organisation_id, id) ON DELETE SET NULL (ride_booking_id) NOT VALID;
ALTER TABLE core.notification DROP CONSTRAINT notification_branch_id_fkey,
  ADD CONSTRAINT notification_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE CASCADE;
ALTER TABLE core.notification DROP CONSTRAINT notification_recipient_customer_id_fkey,
  ADD CONSTRAINT notification_recipient_customer_id_fkey FOREIGN KEY (organisation_id, recipient_customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE CASCADE;
ALTER TABLE core.notification DROP CONSTRAINT notification_recipient_staff_id_fkey,
  ADD CONSTRAINT notification_recipient_staff_id_fkey FOREIGN KEY (organisation_id, recipient_staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE CASCADE;
ALTER TABLE core.odometer_reading DROP CONSTRAINT odometer_reading_repair_order_id_fkey,
  ADD CONSTRAINT odometer_reading_repair_order_id_fkey FOREIGN KEY (organisation_id, repair_order_id) REFERENCES workshop.repair_order (organisation_id, id) ON DELETE SET NULL (repair_order_id) NOT VALID;
ALTER TABLE core.odometer_reading DROP CONSTRAINT odometer_reading_vehicle_id_fkey,
  ADD CONSTRAINT odometer_reading_vehicle_id_fkey FOREIGN KEY (organisation_id, vehicle_id) REFERENCES core.vehicle (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE core.staff DROP CONSTRAINT staff_home_branch_id_fkey,
  ADD CONSTRAINT staff_home_branch_id_fkey FOREIGN KEY (organisation_id, home_branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE SET NULL (home_branch_id) NOT VALID;
ALTER TABLE core.staff_role DROP CONSTRAINT staff_role_branch_id_fkey,
  ADD CONSTRAINT staff_role_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE core.staff_role DROP CONSTRAINT staff_role_staff_id_fkey,
  ADD CONSTRAINT staff_role_staff_id_fkey FOREIGN KEY (organisation_id, staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE core.staff_shift DROP CONSTRAINT staff_shift_branch_id_fkey,
  ADD CONSTRAINT staff_shift_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE core.staff_shift DROP CONSTRAINT staff_shift_staff_id_fkey,
  ADD CONSTRAINT staff_shift_staff_id_fkey FOREIGN KEY (organisation_id, staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE core.time_clock_entry DROP CONSTRAINT time_clock_entry_branch_id_fkey,
  ADD CONSTRAINT time_clock_entry_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE core.time_clock_entry DROP CONSTRAINT time_clock_entry_repair_job_id_fkey,
  ADD CONSTRAINT time_clock_entry_repair_job_id_fkey FOREIGN KEY (organisation_id, repair_job_id) REFERENCES workshop.repair_job (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE core.time_clock_entry DROP CONSTRAINT time_clock_entry_staff_id_fkey,
  ADD CONSTRAINT time_clock_entry_staff_id_fkey FOREIGN KEY (organisation_id, staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE core.vehicle_ownership DROP CONSTRAINT vehicle_ownership_customer_id_fkey,
  ADD CONSTRAINT vehicle_ownership_customer_id_fkey FOREIGN KEY (organisation_id, customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE core.vehicle_ownership DROP CONSTRAINT vehicle_ownership_vehicle_id_fkey,
  ADD CONSTRAINT vehicle_ownership_vehicle_id_fkey FOREIGN KEY (organisation_id, vehicle_id) REFERENCES core.vehicle (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE finance.invoice DROP CONSTRAINT invoice_branch_id_fkey,
  ADD CONSTRAINT invoice_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.invoice DROP CONSTRAINT invoice_customer_id_fkey,
  ADD CONSTRAINT invoice_customer_id_fkey FOREIGN KEY (organisation_id, customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.invoice DROP CONSTRAINT invoice_repair_order_id_fkey,
  ADD CONSTRAINT invoice_repair_order_id_fkey FOREIGN KEY (organisation_id, repair_order_id) REFERENCES workshop.repair_order (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.invoice DROP CONSTRAINT invoice_ride_booking_id_fkey,
  ADD CONSTRAINT invoice_ride_booking_id_fkey FOREIGN KEY (organisation_id, ride_booking_id) REFERENCES chauffeur.ride_booking (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.invoice_counter DROP CONSTRAINT invoice_counter_branch_id_fkey,
  ADD CONSTRAINT invoice_counter_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE finance.invoice_line DROP CONSTRAINT invoice_line_invoice_id_fkey,
  ADD CONSTRAINT invoice_line_invoice_id_fkey FOREIGN KEY (organisation_id, invoice_id) REFERENCES finance.invoice (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE finance.invoice_line DROP CONSTRAINT invoice_line_labour_line_id_fkey,
  ADD CONSTRAINT invoice_line_labour_line_id_fkey FOREIGN KEY (organisation_id, labour_line_id) REFERENCES workshop.labour_line (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.invoice_line DROP CONSTRAINT invoice_line_part_line_id_fkey,
  ADD CONSTRAINT invoice_line_part_line_id_fkey FOREIGN KEY (organisation_id, part_line_id) REFERENCES workshop.part_line (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.invoice_line DROP CONSTRAINT invoice_line_repair_job_id_fkey,
  ADD CONSTRAINT invoice_line_repair_job_id_fkey FOREIGN KEY (organisation_id, repair_job_id) REFERENCES workshop.repair_job (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.invoice_line DROP CONSTRAINT invoice_line_ride_charge_id_fkey,
  ADD CONSTRAINT invoice_line_ride_charge_id_fkey FOREIGN KEY (organisation_id, ride_charge_id) REFERENCES chauffeur.ride_charge (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.operating_expense DROP CONSTRAINT operating_expense_branch_id_fkey,
  ADD CONSTRAINT operating_expense_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.payment DROP CONSTRAINT payment_branch_id_fkey,
  ADD CONSTRAINT payment_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.payment DROP CONSTRAINT payment_customer_id_fkey,
  ADD CONSTRAINT payment_customer_id_fkey FOREIGN KEY (organisation_id, customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.payment_allocation DROP CONSTRAINT payment_allocation_invoice_id_fkey,
  ADD CONSTRAINT payment_allocation_invoice_id_fkey FOREIGN KEY (organisation_id, invoice_id) REFERENCES finance.invoice (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE finance.payment_allocation DROP CONSTRAINT payment_allocation_payment_id_fkey,
  ADD CONSTRAINT payment_allocation_payment_id_fkey FOREIGN KEY (organisation_id, payment_id) REFERENCES finance.payment (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE inventory.inventory_transaction DROP CONSTRAINT inventory_transaction_branch_id_fkey,
  ADD CONSTRAINT inventory_transaction_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT;
ALTER TABLE inventory.inventory_transaction DROP CONSTRAINT inventory_transaction_part_id_fkey,
  ADD CONSTRAINT inventory_transaction_part_id_fkey FOREIGN KEY (organisation_id, part_id) REFERENCES inventory.part (organisation_id, id) ON DELETE RESTRICT;
ALTER TABLE inventory.inventory_transaction DROP CONSTRAINT inventory_transaction_part_line_id_fkey,
  ADD CONSTRAINT inventory_transaction_part_line_id_fkey FOREIGN KEY (organisation_id, part_line_id) REFERENCES workshop.part_line (organisation_id, id) ON DELETE RESTRICT;
ALTER TABLE inventory.inventory_transaction DROP CONSTRAINT inventory_transaction_purchase_order_line_id_fkey,
  ADD CONSTRAINT inventory_transaction_purchase_order_line_id_fkey FOREIGN KEY (organisation_id, purchase_order_line_id) REFERENCES inventory.purchase_order_line (organisation_id, id) ON DELETE RESTRICT;
ALTER TABLE inventory.inventory_transaction DROP CONSTRAINT inventory_transaction_staff_id_fkey,
  ADD CONSTRAINT inventory_transaction_staff_id_fkey FOREIGN KEY (organisation_id, staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE RESTRICT;
ALTER TABLE inventory.inventory_transaction DROP CONSTRAINT inventory_transaction_transfer_branch_id_fkey,
  ADD CONSTRAINT inventory_transaction_transfer_branch_id_fkey FOREIGN KEY (organisation_id, transfer_branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT;
ALTER TABLE inventory.purchase_order DROP CONSTRAINT purchase_order_branch_id_fkey,
  ADD CONSTRAINT purchase_order_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE inventory.purchase_order DROP CONSTRAINT purchase_order_created_by_staff_id_fkey,
  ADD CONSTRAINT purchase_order_created_by_staff_id_fkey FOREIGN KEY (organisation_id, created_by_staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE SET NULL (created_by_staff_id) NOT VALID;
ALTER TABLE inventory.purchase_order DROP CONSTRAINT purchase_order_supplier_id_fkey,
  ADD CONSTRAINT purchase_order_supplier_id_fkey FOREIGN KEY (organisation_id, supplier_id) REFERENCES inventory.supplier (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE inventory.purchase_order_line DROP CONSTRAINT purchase_order_line_part_id_fkey,
  ADD CONSTRAINT purchase_order_line_part_id_fkey FOREIGN KEY (organisation_id, part_id) REFERENCES inventory.part (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE inventory.purchase_order_line DROP CONSTRAINT purchase_order_line_purchase_order_id_fkey,
  ADD CONSTRAINT purchase_order_line_purchase_order_id_fkey FOREIGN KEY (organisation_id, purchase_order_id) REFERENCES inventory.purchase_order (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE inventory.stock_level DROP CONSTRAINT stock_level_branch_id_fkey,
  ADD CONSTRAINT stock_level_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE inventory.stock_level DROP CONSTRAINT stock_level_part_id_fkey,
  ADD CONSTRAINT stock_level_part_id_fkey FOREIGN KEY (organisation_id, part_id) REFERENCES inventory.part (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE inventory.supplier_part DROP CONSTRAINT supplier_part_part_id_fkey,
  ADD CONSTRAINT supplier_part_part_id_fkey FOREIGN KEY (organisation_id, part_id) REFERENCES inventory.part (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE inventory.supplier_part DROP CONSTRAINT supplier_part_supplier_id_fkey,
  ADD CONSTRAINT supplier_part_supplier_id_fkey FOREIGN KEY (organisation_id, supplier_id) REFERENCES inventory.supplier (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE workshop.bay_reservation DROP CONSTRAINT bay_reservation_bay_id_fkey,
  ADD CONSTRAINT bay_reservation_bay_id_fkey FOREIGN KEY (organisation_id, bay_id) REFERENCES workshop.service_bay (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.bay_reservation DROP CONSTRAINT bay_reservation_booking_id_fkey,
  ADD CONSTRAINT bay_reservation_booking_id_fkey FOREIGN KEY (organisation_id, booking_id) REFERENCES workshop.booking (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE workshop.bay_reservation DROP CONSTRAINT bay_reservation_branch_id_fkey,
  ADD CONSTRAINT bay_reservation_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.booking DROP CONSTRAINT booking_booked_by_staff_id_fkey,
  ADD CONSTRAINT booking_booked_by_staff_id_fkey FOREIGN KEY (organisation_id, booked_by_staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE SET NULL (booked_by_staff_id) NOT VALID;
ALTER TABLE workshop.booking DROP CONSTRAINT booking_branch_id_fkey,
  ADD CONSTRAINT booking_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.booking DROP CONSTRAINT booking_customer_id_fkey,
  ADD CONSTRAINT booking_customer_id_fkey FOREIGN KEY (organisation_id, customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.booking DROP CONSTRAINT booking_vehicle_id_fkey,
  ADD CONSTRAINT booking_vehicle_id_fkey FOREIGN KEY (organisation_id, vehicle_id) REFERENCES core.vehicle (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.labour_line DROP CONSTRAINT labour_line_branch_id_fkey,
  ADD CONSTRAINT labour_line_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.labour_line DROP CONSTRAINT labour_line_labour_operation_id_fkey,
  ADD CONSTRAINT labour_line_labour_operation_id_fkey FOREIGN KEY (organisation_id, labour_operation_id) REFERENCES workshop.labour_operation (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.labour_line DROP CONSTRAINT labour_line_repair_job_id_fkey,
  ADD CONSTRAINT labour_line_repair_job_id_fkey FOREIGN KEY (organisation_id, repair_job_id) REFERENCES workshop.repair_job (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE workshop.labour_line DROP CONSTRAINT labour_line_technician_id_fkey,
  ADD CONSTRAINT labour_line_technician_id_fkey FOREIGN KEY (organisation_id, technician_id) REFERENCES core.staff (organisation_id, id) ON DELETE SET NULL (technician_id) NOT VALID;
ALTER TABLE workshop.part_line DROP CONSTRAINT part_line_branch_id_fkey,
  ADD CONSTRAINT part_line_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.part_line DROP CONSTRAINT part_line_part_id_fkey,
  ADD CONSTRAINT part_line_part_id_fkey FOREIGN KEY (organisation_id, part_id) REFERENCES inventory.part (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.part_line DROP CONSTRAINT part_line_repair_job_id_fkey,
  ADD CONSTRAINT part_line_repair_job_id_fkey FOREIGN KEY (organisation_id, repair_job_id) REFERENCES workshop.repair_job (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE workshop.repair_job DROP CONSTRAINT repair_job_assigned_technician_id_fkey,
  ADD CONSTRAINT repair_job_assigned_technician_id_fkey FOREIGN KEY (organisation_id, assigned_technician_id) REFERENCES core.staff (organisation_id, id) ON DELETE SET NULL (assigned_technician_id) NOT VALID;
ALTER TABLE workshop.repair_job DROP CONSTRAINT repair_job_branch_id_fkey,
  ADD CONSTRAINT repair_job_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.repair_job DROP CONSTRAINT repair_job_labour_operation_id_fkey,
  ADD CONSTRAINT repair_job_labour_operation_id_fkey FOREIGN KEY (organisation_id, labour_operation_id) REFERENCES workshop.labour_operation (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.repair_job DROP CONSTRAINT repair_job_repair_order_id_fkey,
  ADD CONSTRAINT repair_job_repair_order_id_fkey FOREIGN KEY (organisation_id, repair_order_id) REFERENCES workshop.repair_order (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE workshop.repair_order DROP CONSTRAINT repair_order_advisor_staff_id_fkey,
  ADD CONSTRAINT repair_order_advisor_staff_id_fkey FOREIGN KEY (organisation_id, advisor_staff_id) REFERENCES core.staff (organisation_id, id) ON DELETE SET NULL (advisor_staff_id) NOT VALID;
ALTER TABLE workshop.repair_order DROP CONSTRAINT repair_order_booking_id_fkey,
  ADD CONSTRAINT repair_order_booking_id_fkey FOREIGN KEY (organisation_id, booking_id) REFERENCES workshop.booking (organisation_id, id) ON DELETE SET NULL (booking_id) NOT VALID;
ALTER TABLE workshop.repair_order DROP CONSTRAINT repair_order_branch_id_fkey,
  ADD CONSTRAINT repair_order_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.repair_order DROP CONSTRAINT repair_order_comeback_of_repair_order_id_fkey,
  ADD CONSTRAINT repair_order_comeback_of_repair_order_id_fkey FOREIGN KEY (organisation_id, comeback_of_repair_order_id) REFERENCES workshop.repair_order (organisation_id, id) ON DELETE SET NULL (comeback_of_repair_order_id) NOT VALID;
ALTER TABLE workshop.repair_order DROP CONSTRAINT repair_order_customer_id_fkey,
  ADD CONSTRAINT repair_order_customer_id_fkey FOREIGN KEY (organisation_id, customer_id) REFERENCES core.customer (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.repair_order DROP CONSTRAINT repair_order_vehicle_id_fkey,
  ADD CONSTRAINT repair_order_vehicle_id_fkey FOREIGN KEY (organisation_id, vehicle_id) REFERENCES core.vehicle (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.service_bay DROP CONSTRAINT service_bay_branch_id_fkey,
  ADD CONSTRAINT service_bay_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.technician_booking DROP CONSTRAINT technician_booking_booking_id_fkey,
  ADD CONSTRAINT technician_booking_booking_id_fkey FOREIGN KEY (organisation_id, booking_id) REFERENCES workshop.booking (organisation_id, id) ON DELETE CASCADE NOT VALID;
ALTER TABLE workshop.technician_booking DROP CONSTRAINT technician_booking_branch_id_fkey,
  ADD CONSTRAINT technician_booking_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON DELETE RESTRICT NOT VALID;
ALTER TABLE workshop.technician_booking DROP CONSTRAINT technician_booking_technician_id_fkey,
  ADD CONSTRAINT technician_booking_technician_id_fkey FOREIGN KEY (organisation_id, technician_id) REFERENCES core.staff (organisation_id, id) ON DELETE RESTRICT NOT VALID;

CALL core.claim_ownership();
