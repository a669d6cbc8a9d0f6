-- The CDC login reads every published table. Tables created by cch_owner
-- get that grant from its default privileges; this one states it, so a
-- database migrated by another role (a superuser) mirrors credit notes too.
GRANT SELECT ON finance.credit_note TO cch_replicator;
