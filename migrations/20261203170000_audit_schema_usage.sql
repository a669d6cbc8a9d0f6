-- Every business role may record an admin action (audit.log_action, a
-- SECURITY DEFINER function granted to all of them): the analyst queries
-- of any role are logged as that role. Calling it needs USAGE on the
-- schema; USAGE alone reads nothing (the audit tables keep their grants).
GRANT USAGE ON SCHEMA audit TO cch_technician, cch_receptionist, cch_dispatcher, cch_chauffeur;

CALL core.claim_ownership();
