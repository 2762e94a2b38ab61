-- The SQL functions and triggers of planmap as they stand after the last migration (0007), in one
-- place to read. The migrations remain what creates and changes them; this file is their current
-- text, and tests/queries/test_sql_files.py fails when the two drift apart (it runs this file over
-- a migrated database inside a transaction and compares PostgreSQL's own definitions before and
-- after). A migration that changes a function must change it here too.


-- The warnings of one project on a reference date: computed from dates, money and activity,
-- never typed in. Created by 0004; made inlinable and truly immutable by 0007:
-- * `stale`: the last update came before the start of day `ref_date - stale_days` in Lianzhou
--   (UTC+8, fixed: China has no daylight saving), whatever the session's time zone;
-- * `over_budget`: `actual_spend > planned_investment` is false-or-NULL when either is missing,
--   so the (costly, jsonb-reading) argument is used once and the function can be inlined.
-- Called through app.queries.project_filter.WARNINGS_SQL.
CREATE OR REPLACE FUNCTION project_warnings(
    status text, start_year int, end_year int, planned_start date, planned_end date,
    planned_investment numeric, actual_start date, actual_end date, actual_spend numeric,
    last_update timestamptz, ref_date date, stale_days int
) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_remove(ARRAY[
    CASE WHEN status IN ('planned', 'preparing', 'postponed') AND actual_start IS NULL
              AND coalesce(planned_start, make_date(start_year, 1, 1)) < ref_date
         THEN 'late_start' END,
    CASE WHEN status NOT IN ('completed', 'existing', 'cancelled', 'merged') AND actual_end IS NULL
              AND coalesce(planned_end, make_date(end_year, 12, 31)) < ref_date
         THEN 'late_completion' END,
    CASE WHEN actual_spend > planned_investment THEN 'over_budget' END,
    CASE WHEN status IN ('planned', 'preparing', 'under_construction', 'postponed', 'suspended')
              AND last_update < (ref_date - stale_days)::timestamp AT TIME ZONE INTERVAL '+08:00'
         THEN 'stale' END
  ], NULL)
$$;


-- Every version of every project, kept whatever path writes it (seed, import, API): the row as
-- it was and the span of time it was the record (`?as_of=` reads project_versions), plus a
-- status event whenever the status changes, dated by the writer (SET LOCAL
-- planmap.status_effective_date) or today. The catalog's first versions and statuses are dated
-- to the plan's publication (2021-04-01), because that is when the plan stated them. (0004)
CREATE OR REPLACE FUNCTION planmap_record_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  effective date := nullif(current_setting('planmap.status_effective_date', true), '')::date;
  -- Set by `planmap seed`: the catalog states the plan as published, so its first
  -- versions and its statuses are dated to the plan, not to the day of loading.
  catalog boolean := coalesce(current_setting('planmap.loading_catalog', true), '') = 'on';
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN
    RETURN NEW;
  END IF;
  UPDATE project_versions SET valid_to = now() WHERE id = NEW.id AND valid_to IS NULL;
  INSERT INTO project_versions (id, slug, name_zh, name_en, aliases, category, status, status_basis, geom,
    location_precision, location_note, plan_chapter, plan_section, source_quote, figures, start_year,
    end_year, created_at, updated_at, version, seeded_version, deleted_at, status_reason, merged_into_id,
    planned_start, planned_end, planned_investment_cny_100m, actual_start, actual_end,
    actual_spend_cny_100m, sensitive, valid_from)
  VALUES (NEW.id, NEW.slug, NEW.name_zh, NEW.name_en, NEW.aliases, NEW.category, NEW.status,
    NEW.status_basis, NEW.geom, NEW.location_precision, NEW.location_note, NEW.plan_chapter,
    NEW.plan_section, NEW.source_quote, NEW.figures, NEW.start_year, NEW.end_year, NEW.created_at,
    NEW.updated_at, NEW.version, NEW.seeded_version, NEW.deleted_at, NEW.status_reason,
    NEW.merged_into_id, NEW.planned_start, NEW.planned_end, NEW.planned_investment_cny_100m,
    NEW.actual_start, NEW.actual_end, NEW.actual_spend_cny_100m, NEW.sensitive,
    CASE WHEN TG_OP = 'INSERT' AND catalog THEN TIMESTAMPTZ '2021-04-01' ELSE now() END);
  -- A project added by a person or an import has no status event until one is
  -- recorded (as_of then falls back to the status it was first recorded with).
  IF (TG_OP = 'INSERT' AND catalog) OR (TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status) THEN
    INSERT INTO status_events (project_id, status, effective_date, note, reason, user_id)
    VALUES (NEW.id, NEW.status,
            coalesce(effective, CASE WHEN catalog THEN DATE '2021-04-01' ELSE current_date END),
            CASE WHEN catalog THEN 'status as stated in the plan'
                 ELSE nullif(current_setting('planmap.status_note', true), '') END,
            NEW.status_reason,
            nullif(current_setting('planmap.user_id', true), '')::int);
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER projects_record_version AFTER INSERT OR UPDATE ON projects
  FOR EACH ROW EXECUTE FUNCTION planmap_record_version();
