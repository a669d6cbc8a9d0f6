-- A booking and its bay and technician reservations carry organisation_id in
-- every composite tenant key ((organisation_id, branch_id) -> core.branch
-- among them), and core.branch references core.organisation: the
-- single-column organisation_id keys of these three tables add nothing the
-- composite keys do not already enforce. They cost a foreign-key check and a
-- KEY SHARE lock on the organisation's one row for each of the three rows a
-- booking inserts, which every concurrent booking of the organisation
-- shares. Deleting an organisation that still has bookings stays refused
-- (by the branch's key on the organisation and the bookings' keys on the
-- branch).
ALTER TABLE workshop.booking DROP CONSTRAINT IF EXISTS booking_organisation_id_fkey;
ALTER TABLE workshop.bay_reservation DROP CONSTRAINT IF EXISTS bay_reservation_organisation_id_fkey;
ALTER TABLE workshop.technician_booking DROP CONSTRAINT IF EXISTS technician_booking_organisation_id_fkey;
