-- Token verification fails closed (hand-written): core.authenticate_token
-- returned a token whose staff member no longer holds the token's role (its
-- LEFT JOIN to staff_role produced one NULL branch, read as "every branch of
-- the organisation"). The role must still be held: no staff_role row for
-- (staff, role) means no row, and the API answers 401. A role held
-- organisation-wide (branch_id NULL) still means every branch.

CREATE OR REPLACE FUNCTION core.authenticate_token(p_token_id bigint)
RETURNS TABLE (staff_id bigint, organisation_id bigint, role core.business_role, token_hash bytea,
               expires_at timestamptz, revoked_at timestamptz, branch_ids bigint[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT t.staff_id, t.organisation_id, t.role, t.token_hash, t.expires_at, t.revoked_at,
         CASE WHEN bool_or(sr.branch_id IS NULL) THEN
                (SELECT coalesce(array_agg(b.id ORDER BY b.id), '{}') FROM core.branch b WHERE b.organisation_id = t.organisation_id)
              ELSE array_agg(sr.branch_id ORDER BY sr.branch_id)
         END
  FROM core.api_token t
  JOIN core.staff s ON s.id = t.staff_id AND s.organisation_id = t.organisation_id AND s.active
  JOIN core.staff_role sr ON sr.staff_id = t.staff_id AND sr.organisation_id = t.organisation_id AND sr.role = t.role
  WHERE t.id = p_token_id
  GROUP BY t.id
$$;

CALL core.claim_ownership();
