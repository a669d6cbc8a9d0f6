-- Row-level security counts only live relations (hand-written). Policies
-- that show a customer through a related row now ignore relations that are
-- over without having happened, so creating and then cancelling one no
-- longer opens a customer's PII:
--   receptionist  bookings at their branches that are booked, confirmed,
--                 arrived or converted (not cancelled, late_cancelled or
--                 no_show: the customer never came, nothing is left to do
--                 at the desk for that booking);
--   technician    repair jobs assigned to them that were not declined, on
--                 repair orders that were not cancelled (done jobs and
--                 invoiced or closed orders still count: the work happened);
--   chauffeur     rides assigned to them (offered, accepted or completed
--                 assignments, as before) that were not cancelled,
--                 late_cancelled or no_show.
-- Write checks are unchanged: a receptionist creates and edits only
-- customers of their branches or organisation-wide accounts.

DROP POLICY IF EXISTS customer_receptionist_branches ON core.customer;
CREATE POLICY customer_receptionist_branches ON core.customer AS PERMISSIVE FOR ALL TO cch_receptionist
  USING (home_branch_id IS NULL OR home_branch_id = ANY (core.current_branch_ids())
         OR EXISTS (SELECT 1 FROM workshop.booking b
                    WHERE b.customer_id = customer.id AND b.branch_id = ANY (core.current_branch_ids())
                      AND b.status IN ('booked', 'confirmed', 'arrived', 'converted')))
  WITH CHECK (home_branch_id IS NULL OR home_branch_id = ANY (core.current_branch_ids()));

DROP POLICY IF EXISTS customer_technician_assigned_jobs ON core.customer;
CREATE POLICY customer_technician_assigned_jobs ON core.customer AS PERMISSIVE FOR SELECT TO cch_technician
  USING (EXISTS (SELECT 1 FROM workshop.repair_order ro JOIN workshop.repair_job rj ON rj.repair_order_id = ro.id
                 WHERE ro.customer_id = customer.id AND rj.assigned_technician_id = core.current_staff_id()
                   AND rj.status <> 'declined' AND ro.status <> 'cancelled'));

DROP POLICY IF EXISTS customer_chauffeur_assigned_rides ON core.customer;
CREATE POLICY customer_chauffeur_assigned_rides ON core.customer AS PERMISSIVE FOR SELECT TO cch_chauffeur
  USING (EXISTS (SELECT 1 FROM chauffeur.ride_booking rb
                 WHERE rb.passenger_customer_id = customer.id
                   AND rb.status NOT IN ('cancelled', 'late_cancelled', 'no_show')));

CALL core.claim_ownership();
