-- Costs on repair-order lines (hand-written).
--
-- Labour and part costs are masked from the front desk and technicians
-- (column grants), yet those roles write the lines. So the database fills
-- the cost columns itself, in SECURITY DEFINER triggers owned by cch_owner:
-- the technician's cost rate for a labour line, the branch's average cost of
-- the part for a part line. Sale amounts are derived here too, so stored
-- totals never disagree with their factors.

CREATE OR REPLACE FUNCTION workshop.fill_labour_line() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.technician_id IS NOT NULL AND coalesce(NEW.cost_rate, 0) = 0 THEN
    SELECT coalesce(s.cost_rate, 0) INTO NEW.cost_rate FROM core.staff s WHERE s.id = NEW.technician_id;
  END IF;
  NEW.cost_rate := coalesce(NEW.cost_rate, 0);
  NEW.sale_amount := round(NEW.sold_hours * NEW.labour_rate, 2);
  NEW.cost_amount := round(coalesce(NEW.flagged_hours, NEW.sold_hours) * NEW.cost_rate, 2);
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION workshop.fill_part_line() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF coalesce(NEW.unit_cost, 0) = 0 THEN
    SELECT sl.average_cost INTO NEW.unit_cost FROM inventory.stock_level sl
    WHERE sl.branch_id = NEW.branch_id AND sl.part_id = NEW.part_id;
  END IF;
  NEW.unit_cost := coalesce(NEW.unit_cost, 0);
  NEW.sale_amount := round(NEW.quantity * NEW.unit_price, 2);
  RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER fill_costs BEFORE INSERT OR UPDATE OF technician_id, sold_hours, flagged_hours, labour_rate
  ON workshop.labour_line FOR EACH ROW EXECUTE FUNCTION workshop.fill_labour_line();
CREATE OR REPLACE TRIGGER fill_costs BEFORE INSERT OR UPDATE OF part_id, quantity, unit_price
  ON workshop.part_line FOR EACH ROW EXECUTE FUNCTION workshop.fill_part_line();

ALTER FUNCTION workshop.fill_labour_line() OWNER TO cch_owner;
ALTER FUNCTION workshop.fill_part_line() OWNER TO cch_owner;
REVOKE ALL ON FUNCTION workshop.fill_labour_line(), workshop.fill_part_line() FROM PUBLIC;

-- The service advisor (receptionist) writes lines without naming costs.
GRANT INSERT (organisation_id, branch_id, repair_job_id, labour_operation_id, technician_id, description,
  sold_hours, flagged_hours, labour_rate, sale_amount) ON workshop.labour_line TO cch_receptionist;
GRANT INSERT (organisation_id, branch_id, repair_job_id, part_id, quantity, unit_price, sale_amount, issued_at)
  ON workshop.part_line TO cch_receptionist;
GRANT UPDATE (issued_at) ON workshop.part_line TO cch_receptionist;

-- Technicians recommend further work they find on the vehicle.
GRANT INSERT (organisation_id, branch_id, repair_order_id, labour_operation_id, job_category, concern, cause, status,
  pay_type, assigned_technician_id) ON workshop.repair_job TO cch_technician;
