-- The worker brings customers' erasures to the archive directory (cch
-- worker --archive-dir): it reads which customers are pseudonymised (the
-- id and the marker, no personal column).
GRANT SELECT (id, pseudonymised_at) ON core.customer TO cch_worker;
