-- Technician proficiency at labour operations (hand-written): sold hours ÷
-- clocked job hours on jobs of the given operations since a moment, per
-- technician of the caller's organisation. Availability ranks free
-- technicians by it. The front desk may not read others' clock entries,
-- so it runs as the owner (organisation-wide clock policy, tenant
-- isolation still applies, and it names the organisation itself should a
-- superuser own it) and returns only the ratio. Re-runnable.
CREATE OR REPLACE FUNCTION workshop.technician_proficiency(p_operation_ids bigint[], p_since timestamptz)
RETURNS TABLE (staff_id bigint, proficiency double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT x.staff_id, (sum(x.sold) / nullif(sum(x.applied), 0))::float8
  FROM (
    SELECT ll.technician_id AS staff_id, ll.sold_hours AS sold, 0 AS applied
    FROM workshop.labour_line ll JOIN workshop.repair_job j ON j.id = ll.repair_job_id
    WHERE j.organisation_id = core.current_organisation_id() AND j.labour_operation_id = ANY (p_operation_ids)
      AND ll.technician_id IS NOT NULL AND ll.created_at >= p_since
    UNION ALL
    SELECT e.staff_id, 0, extract(epoch FROM upper(e.period) - lower(e.period)) / 3600
    FROM core.time_clock_entry e JOIN workshop.repair_job j ON j.id = e.repair_job_id
    WHERE j.organisation_id = core.current_organisation_id() AND e.kind = 'job' AND NOT upper_inf(e.period)
      AND j.labour_operation_id = ANY (p_operation_ids)
      AND lower(e.period) >= p_since) x
  GROUP BY 1
$$;
COMMENT ON FUNCTION workshop.technician_proficiency(bigint[], timestamptz) IS
  'sold ÷ clocked hours per technician on jobs of the given labour operations since a moment (skill-aware availability)';
REVOKE ALL ON FUNCTION workshop.technician_proficiency(bigint[], timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION workshop.technician_proficiency(bigint[], timestamptz)
  TO cch_receptionist, cch_manager, cch_technician, cch_finance;
CALL core.claim_ownership();
