-- Rosters are planned through the API: staff shifts carry an optimistic
-- version (ETag / If-Match), and dispatchers, who plan the chauffeur rota,
-- may create and change only chauffeurs' shifts. Managers plan every shift
-- of their organisation (their grants and the tenant and branch policies
-- already say so).
ALTER TABLE core.staff_shift ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1;

CREATE OR REPLACE TRIGGER touch_row BEFORE UPDATE ON core.staff_shift
  FOR EACH ROW EXECUTE FUNCTION core.touch_row('versioned');

DROP POLICY IF EXISTS shift_dispatcher_chauffeurs_insert ON core.staff_shift;
CREATE POLICY shift_dispatcher_chauffeurs_insert ON core.staff_shift AS RESTRICTIVE FOR INSERT TO cch_dispatcher
  WITH CHECK (EXISTS (SELECT 1 FROM chauffeur.chauffeur c WHERE c.id = staff_id));

DROP POLICY IF EXISTS shift_dispatcher_chauffeurs_update ON core.staff_shift;
CREATE POLICY shift_dispatcher_chauffeurs_update ON core.staff_shift AS RESTRICTIVE FOR UPDATE TO cch_dispatcher
  USING (EXISTS (SELECT 1 FROM chauffeur.chauffeur c WHERE c.id = staff_id))
  WITH CHECK (EXISTS (SELECT 1 FROM chauffeur.chauffeur c WHERE c.id = staff_id));

COMMENT ON COLUMN "core"."staff_shift"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
