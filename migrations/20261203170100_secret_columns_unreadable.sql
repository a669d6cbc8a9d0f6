-- Secret columns (core.secret_columns(): the bearer tokens' hashes) are
-- readable by no business role: the API checks tokens through its own
-- login (cch_app) and core.authenticate_token, never as a business role.
-- A role that could SELECT the whole table keeps every other column.
-- Parity with the warehouse follows: there the column was never published.
DO $$
DECLARE
  r record;
  cols text;
BEGIN
  FOR r IN
    SELECT DISTINCT s.rel, g.rolname
    FROM core.secret_columns() s
    CROSS JOIN pg_roles g
    WHERE g.rolname IN ('cch_technician', 'cch_receptionist', 'cch_finance', 'cch_manager',
                        'cch_dispatcher', 'cch_chauffeur', 'cch_auditor')
      AND has_table_privilege(g.rolname, s.rel, 'SELECT')
  LOOP
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
    FROM pg_attribute a
    WHERE a.attrelid = r.rel AND a.attnum > 0 AND NOT a.attisdropped
      AND NOT EXISTS (SELECT 1 FROM core.secret_columns() s WHERE s.rel = r.rel AND s.col = a.attname);
    EXECUTE format('REVOKE SELECT ON %s FROM %I', r.rel, r.rolname);
    EXECUTE format('GRANT SELECT (%s) ON %s TO %I', cols, r.rel, r.rolname);
  END LOOP;
END
$$;

CALL core.claim_ownership();
