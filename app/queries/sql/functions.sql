-- The SQL functions and triggers of planmap as they stand after the last migration (0021), in one place to
-- read. The migrations create and change them; this file is their current text, written by
-- scripts/dev/write_sql_files.py, and tests/queries/test_sql_files.py fails when the two drift apart.


-- When a project's information dates from (资料截至): a person's write sets Lianzhou's today; a
-- catalog load that inserts a project takes its plan's revision date; loads and migrations that
-- only update leave it alone, so "stale" never restarts from a machine's write. (0010)
CREATE OR REPLACE FUNCTION planmap_information_date()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    DECLARE
      person boolean := coalesce(current_setting('planmap.user_id', true), '') <> '';
      plan_slug text := nullif(current_setting('planmap.plan', true), '');
    BEGIN
      IF person AND (TG_OP = 'INSERT' OR NEW.version IS DISTINCT FROM OLD.version) THEN
        -- A person recorded something: the information is as of today.
        NEW.info_date := (now() AT TIME ZONE INTERVAL '+08:00')::date;
        NEW.info_precision := 'day';
      ELSIF TG_OP = 'INSERT' AND NEW.info_date IS NULL THEN
        -- A load: the information is as old as the plan it comes from.
        SELECT coalesce(pl.revised_on, pl.adopted_on), CASE WHEN pl.revised_on IS NOT NULL
               THEN pl.revised_precision ELSE pl.adopted_precision END
          INTO NEW.info_date, NEW.info_precision
          FROM plans pl WHERE pl.id = coalesce((SELECT id FROM plans WHERE slug = plan_slug), (SELECT pl.id FROM plans pl
                    WHERE pl.period_start <= extract(year FROM (now() AT TIME ZONE INTERVAL '+08:00')::date)
                    ORDER BY pl.period_start DESC, pl.id DESC LIMIT 1));
        IF NEW.info_date IS NULL THEN
          NEW.info_date := (now() AT TIME ZONE INTERVAL '+08:00')::date;
          NEW.info_precision := 'day';
        END IF;
      ELSIF TG_OP = 'UPDATE' THEN
        -- Loads and migrations never move it.
        NEW.info_date := OLD.info_date;
        NEW.info_precision := OLD.info_precision;
      END IF;
      RETURN NEW;
    END $function$;

-- Every new project joins the plan its loader names (SET LOCAL planmap.plan) or else the plan in
-- force, so no project exists outside a plan. (0010)
CREATE OR REPLACE FUNCTION planmap_join_plan()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    DECLARE
      plan_slug text := nullif(current_setting('planmap.plan', true), '');
      catalog boolean := coalesce(current_setting('planmap.loading_catalog', true), '') = 'on';
      target int := coalesce((SELECT id FROM plans WHERE slug = plan_slug), (SELECT pl.id FROM plans pl
                    WHERE pl.period_start <= extract(year FROM (now() AT TIME ZONE INTERVAL '+08:00')::date)
                    ORDER BY pl.period_start DESC, pl.id DESC LIMIT 1));
    BEGIN
      -- Every project belongs to a plan: the one being loaded (planmap.plan) or the one in force.
      IF target IS NOT NULL THEN
        INSERT INTO plan_projects (plan_id, project_id, role, chapter, section, quote,
                                   baseline_start_year, baseline_end_year, baseline_planned_start,
                                   baseline_planned_end, baseline_investment_cny_100m, baseline_scope, added_at)
        SELECT target, NEW.id, coalesce(nullif(current_setting('planmap.plan_role', true), ''), 'new'),
               NEW.plan_chapter, NEW.plan_section, NEW.source_quote,
               NEW.start_year, NEW.end_year, NEW.planned_start, NEW.planned_end,
               coalesce(NEW.planned_investment_cny_100m, (NEW.figures->>'investment_cny_100m')::numeric),
               NEW.figures, CASE WHEN catalog THEN pl.recorded_at ELSE now() END
        FROM plans pl WHERE pl.id = target
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NEW;
    END $function$;

-- Every version of every project, kept whatever path writes it (seed, import, API): the row as
-- it was and the span of time it was the record (`?as_of=` reads project_versions), plus a
-- status event whenever the status changes, dated by the writer (SET LOCAL
-- planmap.status_effective_date) or today. (0004; column list 0010)
CREATE OR REPLACE FUNCTION planmap_record_version()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
        DECLARE
          effective date := nullif(current_setting('planmap.status_effective_date', true), '')::date;
          catalog boolean := coalesce(current_setting('planmap.loading_catalog', true), '') = 'on';
        BEGIN
          IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN
            RETURN NEW;
          END IF;
          UPDATE project_versions SET valid_to = now() WHERE id = NEW.id AND valid_to IS NULL;
          INSERT INTO project_versions (id, slug, name_zh, name_en, aliases, category, status, status_basis, geom, location_precision, location_note, plan_chapter, plan_section, source_quote, figures, start_year, end_year, created_at, updated_at, version, seeded_version, deleted_at, status_reason, merged_into_id, planned_start, planned_end, planned_investment_cny_100m, actual_start, actual_end, actual_spend_cny_100m, sensitive, info_date, info_precision, location_note_zh, valid_from)
          VALUES (NEW.id, NEW.slug, NEW.name_zh, NEW.name_en, NEW.aliases, NEW.category, NEW.status, NEW.status_basis, NEW.geom, NEW.location_precision, NEW.location_note, NEW.plan_chapter, NEW.plan_section, NEW.source_quote, NEW.figures, NEW.start_year, NEW.end_year, NEW.created_at, NEW.updated_at, NEW.version, NEW.seeded_version, NEW.deleted_at, NEW.status_reason, NEW.merged_into_id, NEW.planned_start, NEW.planned_end, NEW.planned_investment_cny_100m, NEW.actual_start, NEW.actual_end, NEW.actual_spend_cny_100m, NEW.sensitive, NEW.info_date, NEW.info_precision, NEW.location_note_zh,
                  CASE WHEN TG_OP = 'INSERT' AND catalog THEN TIMESTAMPTZ '2021-04-01' ELSE now() END);
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
        END $function$;

-- Statement-level trigger on programme_items: the year's summary follows items added, removed,
-- reclassed or replanned. Stands aside in a cascade (a project's or programme's deletion). (0021)
CREATE OR REPLACE FUNCTION progress_summary_follow_items()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  -- Written by a cascade (a project's or programme's deletion): the trigger on the deleted rows'
  -- table recomputes them.
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM progress_summary_refresh(ARRAY(SELECT DISTINCT project_id FROM changed_new ORDER BY 1));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM progress_summary_refresh(ARRAY(SELECT project_id FROM changed_new
                                           UNION SELECT project_id FROM changed_old ORDER BY 1));
  ELSE
    PERFORM progress_summary_refresh(ARRAY(SELECT DISTINCT project_id FROM changed_old ORDER BY 1));
  END IF;
  RETURN NULL;
END $function$;

-- Statement-level trigger on project_towns and project_units: the year's summary follows a project's
-- towns and lead unit. Stands aside in a cascade (a project's hard deletion). (0021)
CREATE OR REPLACE FUNCTION progress_summary_follow_links()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  -- Written by a cascade (a project's or programme's deletion): the trigger on the deleted rows'
  -- table recomputes them.
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM progress_summary_refresh(ARRAY(SELECT DISTINCT project_id FROM changed_new ORDER BY 1));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM progress_summary_refresh(ARRAY(SELECT project_id FROM changed_new
                                           UNION SELECT project_id FROM changed_old ORDER BY 1));
  ELSE
    PERFORM progress_summary_refresh(ARRAY(SELECT DISTINCT project_id FROM changed_old ORDER BY 1));
  END IF;
  RETURN NULL;
END $function$;

-- Statement-level trigger on annual_programmes (update, delete): a programme deleted or moved to another
-- year takes its items' sums with it. (0021)
CREATE OR REPLACE FUNCTION progress_summary_follow_programmes()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  PERFORM progress_summary_refresh(ARRAY(
    SELECT DISTINCT k.project_id FROM progress_summary_keys k
    WHERE k.year IN (SELECT year FROM changed_old)
    UNION SELECT i.project_id FROM programme_items i WHERE i.programme_id IN (SELECT id FROM changed_old)
    ORDER BY 1));
  RETURN NULL;
END $function$;

-- Statement-level trigger on projects (update, delete): the year's summary follows a change of category,
-- a soft deletion or restore, and a hard deletion; other edits cost one comparison. (0021)
CREATE OR REPLACE FUNCTION progress_summary_follow_projects()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    PERFORM progress_summary_refresh(ARRAY(
      SELECT n.id FROM changed_new n JOIN changed_old o ON o.id = n.id
      WHERE n.category IS DISTINCT FROM o.category OR n.deleted_at IS DISTINCT FROM o.deleted_at ORDER BY 1));
  ELSE
    PERFORM progress_summary_refresh(ARRAY(SELECT DISTINCT k.project_id FROM progress_summary_keys k
                                           WHERE k.project_id IN (SELECT id FROM changed_old) ORDER BY 1));
  END IF;
  RETURN NULL;
END $function$;

-- The year's summary per group recomputed from every live item's keys, set-based (0021): the migration's
-- backfill and the end of a bulk load (`planmap dev synth` sets planmap.summary_bulk, so the refresh stands
-- aside until this runs once). Writers of the summary wait for the rebuilding transaction.
CREATE OR REPLACE FUNCTION progress_summary_rebuild()
 RETURNS void
 LANGUAGE plpgsql
 SET work_mem TO '64MB'
AS $function$
BEGIN
  LOCK TABLE progress_summary_keys, progress_summary IN EXCLUSIVE MODE;
  DELETE FROM progress_summary_keys;
  DELETE FROM progress_summary;
  INSERT INTO progress_summary_keys SELECT * FROM progress_summary_keys_live;
  INSERT INTO progress_summary (year, grouping, key, ref, projects, planned, not_planned, invested_cum, filed_cum, late_after, behind)
  SELECT year, grouping, key, ref, projects, planned, not_planned, invested_cum, filed_cum, late_after, behind FROM (SELECT c.year, g.grouping, g.key, g.ref, sum(c.sign) AS projects,
               sum(c.sign * coalesce(c.planned, 0)) AS planned,
               sum(CASE WHEN c.planned IS NULL THEN c.sign ELSE 0 END) AS not_planned,
               ARRAY[sum(c.sign * c.invested_cum[1]), sum(c.sign * c.invested_cum[2]), sum(c.sign * c.invested_cum[3]), sum(c.sign * c.invested_cum[4]), sum(c.sign * c.invested_cum[5]), sum(c.sign * c.invested_cum[6]), sum(c.sign * c.invested_cum[7]), sum(c.sign * c.invested_cum[8]), sum(c.sign * c.invested_cum[9]), sum(c.sign * c.invested_cum[10]), sum(c.sign * c.invested_cum[11]), sum(c.sign * c.invested_cum[12])] AS invested_cum,
ARRAY[sum(c.sign * c.filed_cum[1]), sum(c.sign * c.filed_cum[2]), sum(c.sign * c.filed_cum[3]), sum(c.sign * c.filed_cum[4]), sum(c.sign * c.filed_cum[5]), sum(c.sign * c.filed_cum[6]), sum(c.sign * c.filed_cum[7]), sum(c.sign * c.filed_cum[8]), sum(c.sign * c.filed_cum[9]), sum(c.sign * c.filed_cum[10]), sum(c.sign * c.filed_cum[11]), sum(c.sign * c.filed_cum[12])] AS filed_cum,
ARRAY[sum(c.sign * c.late_after[1]), sum(c.sign * c.late_after[2]), sum(c.sign * c.late_after[3]), sum(c.sign * c.late_after[4]), sum(c.sign * c.late_after[5]), sum(c.sign * c.late_after[6]), sum(c.sign * c.late_after[7]), sum(c.sign * c.late_after[8]), sum(c.sign * c.late_after[9]), sum(c.sign * c.late_after[10]), sum(c.sign * c.late_after[11]), sum(c.sign * c.late_after[12]), sum(c.sign * c.late_after[13]), sum(c.sign * c.late_after[14]), sum(c.sign * c.late_after[15]), sum(c.sign * c.late_after[16]), sum(c.sign * c.late_after[17]), sum(c.sign * c.late_after[18]), sum(c.sign * c.late_after[19]), sum(c.sign * c.late_after[20]), sum(c.sign * c.late_after[21]), sum(c.sign * c.late_after[22]), sum(c.sign * c.late_after[23]), sum(c.sign * c.late_after[24]), sum(c.sign * c.late_after[25]), sum(c.sign * c.late_after[26]), sum(c.sign * c.late_after[27]), sum(c.sign * c.late_after[28])] AS late_after,
ARRAY[sum(c.sign * c.behind[1]), sum(c.sign * c.behind[2]), sum(c.sign * c.behind[3]), sum(c.sign * c.behind[4]), sum(c.sign * c.behind[5]), sum(c.sign * c.behind[6]), sum(c.sign * c.behind[7]), sum(c.sign * c.behind[8]), sum(c.sign * c.behind[9]), sum(c.sign * c.behind[10]), sum(c.sign * c.behind[11]), sum(c.sign * c.behind[12])] AS behind
        FROM (SELECT k.*, 1 AS sign FROM progress_summary_keys k) c
        CROSS JOIN LATERAL (
          SELECT 'total', CAST(NULL AS text), CAST(NULL AS integer)
          UNION ALL SELECT 'unit', NULL, c.lead_unit
          UNION ALL SELECT 'category', c.category, NULL
          UNION ALL SELECT 'class', c.item_class, NULL
          UNION ALL SELECT 'town', NULL, t
                    FROM unnest(CASE WHEN cardinality(c.towns) = 0 THEN ARRAY[CAST(NULL AS integer)]
                                     ELSE c.towns END) t) g(grouping, key, ref)
        GROUP BY c.year, g.grouping, g.key, g.ref) d;
END $function$;

-- Brings the year's summary per group (progress_summary) up to date for the projects a statement
-- touched (0021): locks their rows (two writers of one project take turns), recomputes their items'
-- keys, adds new minus stored to the sums (in group order, so concurrent writers wait on a shared row
-- rather than deadlock) and stores the new keys.
CREATE OR REPLACE FUNCTION progress_summary_refresh(ids integer[])
 RETURNS void
 LANGUAGE plpgsql
 SET work_mem TO '64MB'
AS $function$
DECLARE
  part integer[];
  fresh progress_summary_keys[];
BEGIN
  -- Most edits of a project change nothing here (the trigger on projects passes no id): no work at all.
  -- A bulk load (`planmap dev synth`) sets planmap.summary_bulk for its transaction and rebuilds once at
  -- its end (progress_summary_rebuild): a million items' keys diffed part by part took minutes.
  IF coalesce(cardinality(ids), 0) = 0 OR current_setting('planmap.summary_bulk', true) = 'on' THEN
    RETURN;
  END IF;
  -- In parts of 10,000 projects, so that a statement touching a million rows needs no more memory
  -- than one of ten thousand.
  FOR i IN 0 .. (cardinality(ids) - 1) / 10000 LOOP
    part := ids[i * 10000 + 1 : (i + 1) * 10000];
    -- Writers of the same projects take turns from here on: the next statements see the other's rows.
    -- (The callers pass ids in order, so two statements lock their common projects in one order.)
    PERFORM 1 FROM projects WHERE id = ANY(part) ORDER BY id FOR NO KEY UPDATE;
    SELECT array_agg(ROW(k.*)::progress_summary_keys) INTO fresh
      FROM progress_summary_keys_live k WHERE k.project_id = ANY(part);
    -- Stored keys that changed or whose item is gone are taken out and subtracted; new keys are
    -- added. A statement that changed nothing the summary reads (most edits) writes nothing here.
    WITH new AS (
      SELECT f.* FROM unnest(fresh) f
      WHERE NOT EXISTS (SELECT 1 FROM progress_summary_keys k
                        WHERE k.project_id = f.project_id AND k.year = f.year
                          AND ROW(k.*) IS NOT DISTINCT FROM ROW(f.*))
    ), old AS (
      DELETE FROM progress_summary_keys k
      WHERE k.project_id = ANY(part)
        AND NOT EXISTS (SELECT 1 FROM unnest(fresh) f
                        WHERE f.project_id = k.project_id AND f.year = k.year
                          AND ROW(k.*) IS NOT DISTINCT FROM ROW(f.*))
      RETURNING k.*
    ), delta AS (
      SELECT c.year, g.grouping, g.key, g.ref, sum(c.sign) AS projects,
               sum(c.sign * coalesce(c.planned, 0)) AS planned,
               sum(CASE WHEN c.planned IS NULL THEN c.sign ELSE 0 END) AS not_planned,
               ARRAY[sum(c.sign * c.invested_cum[1]), sum(c.sign * c.invested_cum[2]), sum(c.sign * c.invested_cum[3]), sum(c.sign * c.invested_cum[4]), sum(c.sign * c.invested_cum[5]), sum(c.sign * c.invested_cum[6]), sum(c.sign * c.invested_cum[7]), sum(c.sign * c.invested_cum[8]), sum(c.sign * c.invested_cum[9]), sum(c.sign * c.invested_cum[10]), sum(c.sign * c.invested_cum[11]), sum(c.sign * c.invested_cum[12])] AS invested_cum,
ARRAY[sum(c.sign * c.filed_cum[1]), sum(c.sign * c.filed_cum[2]), sum(c.sign * c.filed_cum[3]), sum(c.sign * c.filed_cum[4]), sum(c.sign * c.filed_cum[5]), sum(c.sign * c.filed_cum[6]), sum(c.sign * c.filed_cum[7]), sum(c.sign * c.filed_cum[8]), sum(c.sign * c.filed_cum[9]), sum(c.sign * c.filed_cum[10]), sum(c.sign * c.filed_cum[11]), sum(c.sign * c.filed_cum[12])] AS filed_cum,
ARRAY[sum(c.sign * c.late_after[1]), sum(c.sign * c.late_after[2]), sum(c.sign * c.late_after[3]), sum(c.sign * c.late_after[4]), sum(c.sign * c.late_after[5]), sum(c.sign * c.late_after[6]), sum(c.sign * c.late_after[7]), sum(c.sign * c.late_after[8]), sum(c.sign * c.late_after[9]), sum(c.sign * c.late_after[10]), sum(c.sign * c.late_after[11]), sum(c.sign * c.late_after[12]), sum(c.sign * c.late_after[13]), sum(c.sign * c.late_after[14]), sum(c.sign * c.late_after[15]), sum(c.sign * c.late_after[16]), sum(c.sign * c.late_after[17]), sum(c.sign * c.late_after[18]), sum(c.sign * c.late_after[19]), sum(c.sign * c.late_after[20]), sum(c.sign * c.late_after[21]), sum(c.sign * c.late_after[22]), sum(c.sign * c.late_after[23]), sum(c.sign * c.late_after[24]), sum(c.sign * c.late_after[25]), sum(c.sign * c.late_after[26]), sum(c.sign * c.late_after[27]), sum(c.sign * c.late_after[28])] AS late_after,
ARRAY[sum(c.sign * c.behind[1]), sum(c.sign * c.behind[2]), sum(c.sign * c.behind[3]), sum(c.sign * c.behind[4]), sum(c.sign * c.behind[5]), sum(c.sign * c.behind[6]), sum(c.sign * c.behind[7]), sum(c.sign * c.behind[8]), sum(c.sign * c.behind[9]), sum(c.sign * c.behind[10]), sum(c.sign * c.behind[11]), sum(c.sign * c.behind[12])] AS behind
        FROM (SELECT new.*, 1 AS sign FROM new UNION ALL SELECT old.*, -1 FROM old) c
        CROSS JOIN LATERAL (
          SELECT 'total', CAST(NULL AS text), CAST(NULL AS integer)
          UNION ALL SELECT 'unit', NULL, c.lead_unit
          UNION ALL SELECT 'category', c.category, NULL
          UNION ALL SELECT 'class', c.item_class, NULL
          UNION ALL SELECT 'town', NULL, t
                    FROM unnest(CASE WHEN cardinality(c.towns) = 0 THEN ARRAY[CAST(NULL AS integer)]
                                     ELSE c.towns END) t) g(grouping, key, ref)
        GROUP BY c.year, g.grouping, g.key, g.ref
    )
    INSERT INTO progress_summary AS s (year, grouping, key, ref, projects, planned, not_planned, invested_cum, filed_cum, late_after, behind)
    SELECT year, grouping, key, ref, projects, planned, not_planned, invested_cum, filed_cum, late_after, behind FROM delta d
    WHERE d.projects <> 0 OR d.planned <> 0 OR d.not_planned <> 0 OR CAST(d.invested_cum AS numeric[]) <> CAST(array_fill(0, ARRAY[12]) AS numeric[]) OR CAST(d.filed_cum AS numeric[]) <> CAST(array_fill(0, ARRAY[12]) AS numeric[]) OR CAST(d.late_after AS numeric[]) <> CAST(array_fill(0, ARRAY[28]) AS numeric[]) OR CAST(d.behind AS numeric[]) <> CAST(array_fill(0, ARRAY[12]) AS numeric[])
    ORDER BY year, grouping, key, ref
    ON CONFLICT (year, grouping, key, ref) DO UPDATE
      SET projects = s.projects + EXCLUDED.projects, planned = s.planned + EXCLUDED.planned,
          not_planned = s.not_planned + EXCLUDED.not_planned,
          invested_cum = ARRAY[s.invested_cum[1] + EXCLUDED.invested_cum[1], s.invested_cum[2] + EXCLUDED.invested_cum[2], s.invested_cum[3] + EXCLUDED.invested_cum[3], s.invested_cum[4] + EXCLUDED.invested_cum[4], s.invested_cum[5] + EXCLUDED.invested_cum[5], s.invested_cum[6] + EXCLUDED.invested_cum[6], s.invested_cum[7] + EXCLUDED.invested_cum[7], s.invested_cum[8] + EXCLUDED.invested_cum[8], s.invested_cum[9] + EXCLUDED.invested_cum[9], s.invested_cum[10] + EXCLUDED.invested_cum[10], s.invested_cum[11] + EXCLUDED.invested_cum[11], s.invested_cum[12] + EXCLUDED.invested_cum[12]], filed_cum = ARRAY[s.filed_cum[1] + EXCLUDED.filed_cum[1], s.filed_cum[2] + EXCLUDED.filed_cum[2], s.filed_cum[3] + EXCLUDED.filed_cum[3], s.filed_cum[4] + EXCLUDED.filed_cum[4], s.filed_cum[5] + EXCLUDED.filed_cum[5], s.filed_cum[6] + EXCLUDED.filed_cum[6], s.filed_cum[7] + EXCLUDED.filed_cum[7], s.filed_cum[8] + EXCLUDED.filed_cum[8], s.filed_cum[9] + EXCLUDED.filed_cum[9], s.filed_cum[10] + EXCLUDED.filed_cum[10], s.filed_cum[11] + EXCLUDED.filed_cum[11], s.filed_cum[12] + EXCLUDED.filed_cum[12]], late_after = ARRAY[s.late_after[1] + EXCLUDED.late_after[1], s.late_after[2] + EXCLUDED.late_after[2], s.late_after[3] + EXCLUDED.late_after[3], s.late_after[4] + EXCLUDED.late_after[4], s.late_after[5] + EXCLUDED.late_after[5], s.late_after[6] + EXCLUDED.late_after[6], s.late_after[7] + EXCLUDED.late_after[7], s.late_after[8] + EXCLUDED.late_after[8], s.late_after[9] + EXCLUDED.late_after[9], s.late_after[10] + EXCLUDED.late_after[10], s.late_after[11] + EXCLUDED.late_after[11], s.late_after[12] + EXCLUDED.late_after[12], s.late_after[13] + EXCLUDED.late_after[13], s.late_after[14] + EXCLUDED.late_after[14], s.late_after[15] + EXCLUDED.late_after[15], s.late_after[16] + EXCLUDED.late_after[16], s.late_after[17] + EXCLUDED.late_after[17], s.late_after[18] + EXCLUDED.late_after[18], s.late_after[19] + EXCLUDED.late_after[19], s.late_after[20] + EXCLUDED.late_after[20], s.late_after[21] + EXCLUDED.late_after[21], s.late_after[22] + EXCLUDED.late_after[22], s.late_after[23] + EXCLUDED.late_after[23], s.late_after[24] + EXCLUDED.late_after[24], s.late_after[25] + EXCLUDED.late_after[25], s.late_after[26] + EXCLUDED.late_after[26], s.late_after[27] + EXCLUDED.late_after[27], s.late_after[28] + EXCLUDED.late_after[28]], behind = ARRAY[s.behind[1] + EXCLUDED.behind[1], s.behind[2] + EXCLUDED.behind[2], s.behind[3] + EXCLUDED.behind[3], s.behind[4] + EXCLUDED.behind[4], s.behind[5] + EXCLUDED.behind[5], s.behind[6] + EXCLUDED.behind[6], s.behind[7] + EXCLUDED.behind[7], s.behind[8] + EXCLUDED.behind[8], s.behind[9] + EXCLUDED.behind[9], s.behind[10] + EXCLUDED.behind[10], s.behind[11] + EXCLUDED.behind[11], s.behind[12] + EXCLUDED.behind[12]];
    INSERT INTO progress_summary_keys
    SELECT f.* FROM unnest(fresh) f
    WHERE NOT EXISTS (SELECT 1 FROM progress_summary_keys k WHERE k.project_id = f.project_id AND k.year = f.year);
  END LOOP;
  DELETE FROM progress_summary WHERE projects = 0;
END $function$;

-- Statement-level trigger on progress_reports (insert, update, delete; with transition tables): the
-- kept years follow every report filed, corrected, reviewed or deleted. Stands aside in a cascade (a
-- project's hard deletion): the kept rows go by their own cascade. (0020)
CREATE OR REPLACE FUNCTION progress_years_follow()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
  ids integer[];
  years integer[];
BEGIN
  -- A project's hard deletion cascades to its reports one project at a time (a statement each): its
  -- kept rows go by their own cascade, so there is nothing to recompute (and 100 k recomputations
  -- would hold up `planmap dev synth --wipe`).
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(project_id), array_agg(year) INTO ids, years FROM (
      SELECT DISTINCT project_id, CAST(extract(year FROM month) AS integer) AS year FROM changed_new) t;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(project_id), array_agg(year) INTO ids, years FROM (
      SELECT project_id, CAST(extract(year FROM month) AS integer) AS year FROM changed_new
      UNION SELECT project_id, CAST(extract(year FROM month) AS integer) FROM changed_old) t;
  ELSE
    SELECT array_agg(project_id), array_agg(year) INTO ids, years FROM (
      SELECT DISTINCT project_id, CAST(extract(year FROM month) AS integer) AS year FROM changed_old) t;
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM progress_years_refresh(ids, years);
  END IF;
  RETURN NULL;
END $function$;

-- Recomputes the kept year of the (project, year) pairs a statement on progress_reports touched
-- (0020): locks the projects (two writers of one project take turns), then replaces their rows of
-- progress_years (running investment in force, months filed, months first filed after each day).
-- Since 0021 it then brings the year's summary per group up to date for those projects. (0020; 0021)
CREATE OR REPLACE FUNCTION progress_years_refresh(ids integer[], years integer[])
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
  -- Writers of the same projects take turns from here on: the next statements see the other's reports.
  PERFORM 1 FROM projects WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM progress_years y USING unnest(ids, years) AS t(project_id, year)
  WHERE y.project_id = t.project_id AND y.year = t.year;
  INSERT INTO progress_years (project_id, year, invested_cum, filed_cum, late_after)
  WITH pairs AS (SELECT DISTINCT t.project_id, t.year FROM unnest(ids, years) AS t(project_id, year))
  
SELECT mo.project_id, mo.year,
       ARRAY(SELECT coalesce(sum(u.invested), 0) FROM generate_series(1, 12) k
             LEFT JOIN unnest(mo.ms, mo.invested) AS u(m, invested) ON u.m <= k GROUP BY k ORDER BY k),
       ARRAY(SELECT CAST(count(u.m) AS smallint) FROM generate_series(1, 12) k
             LEFT JOIN unnest(mo.ms) AS u(m) ON u.m <= k GROUP BY k ORDER BY k),
       ARRAY(SELECT CAST(count(u.late) AS smallint) FROM generate_series(1, 28) d
             LEFT JOIN unnest(mo.lateness) AS u(late) ON u.late >= d GROUP BY d ORDER BY d)
FROM (
  SELECT m.project_id, m.year, array_agg(m.m) AS ms, array_agg(m.invested) AS invested,
         -- days after the first of the next month the month was first filed: late after day d if >= d
         array_agg(m.first_on - CAST(make_date(m.year, m.m, 1) + interval '1 month' AS date)) AS lateness
  FROM (
    SELECT r.project_id, CAST(extract(year FROM r.month) AS integer) AS year,
           CAST(extract(month FROM r.month) AS integer) AS m,
           CAST(min(r.submitted_at) AT TIME ZONE INTERVAL '+08:00' AS date) AS first_on,
           (array_agg(r.invested_cny_10k ORDER BY r.version DESC) FILTER (WHERE r.state = 'approved'))[1] AS invested
    FROM progress_reports r
    JOIN pairs ON pairs.project_id = r.project_id
     AND r.month >= make_date(pairs.year, 1, 1) AND r.month < make_date(pairs.year + 1, 1, 1)
    GROUP BY r.project_id, r.month) m
  GROUP BY m.project_id, m.year) mo
;
  PERFORM progress_summary_refresh(ARRAY(SELECT DISTINCT unnest(ids) ORDER BY 1));
END $function$;

-- The warnings of one project on a reference date: computed from dates, money and activity,
-- never typed in. Created by 0004; made inlinable by 0007; the plan's period and the information
-- date since 0010:
-- * `plan_period_ended`: the plan's period is over, the project is neither finished nor dropped, and
--   it has no date of its own (explicit planned dates win);
-- * `no_recorded_start`: the plan's wording (or a later status) says work is under way, but no start
--   is recorded;
-- * `stale`: the information dates from before `ref_date - stale_days` (a person's last update, or
--   the source document's date for the seeded catalog; never a load or a migration);
-- * `over_budget`: false-or-NULL when either amount is missing, so the function can be inlined.
-- Called through app.queries.project_filter.WARNINGS_SQL.
CREATE OR REPLACE FUNCTION project_warnings(status text, start_year integer, end_year integer, planned_start date, planned_end date, planned_investment numeric, actual_start date, actual_end date, actual_spend numeric, info_date date, info_precision text, plan_end date, ref_date date, stale_days integer)
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$ SELECT array_remove(ARRAY[
    CASE WHEN status IN ('planned', 'preparing', 'postponed') AND actual_start IS NULL
              AND coalesce(planned_start, make_date(start_year, 1, 1)) < ref_date
         THEN 'late_start' END,
    CASE WHEN status NOT IN ('completed', 'existing', 'cancelled', 'merged') AND actual_end IS NULL
              AND coalesce(planned_end, make_date(end_year, 12, 31)) < ref_date
         THEN 'late_completion' END,
    CASE WHEN status NOT IN ('completed', 'existing', 'cancelled', 'merged') AND actual_end IS NULL
              AND planned_end IS NULL AND end_year IS NULL AND plan_end < ref_date
         THEN 'plan_period_ended' END,
    CASE WHEN status = 'under_construction' AND actual_start IS NULL
         THEN 'no_recorded_start' END,
    CASE WHEN actual_spend > planned_investment THEN 'over_budget' END,
    CASE WHEN status IN ('planned', 'preparing', 'under_construction', 'postponed', 'suspended')
              AND CASE info_precision
                    WHEN 'year' THEN make_date(extract(year FROM info_date)::int, 12, 31)
                    WHEN 'month' THEN (info_date + interval '1 month')::date - 1
                    ELSE info_date END < ref_date - stale_days
         THEN 'stale' END], NULL) $function$;

-- A past day as staff may read it: each project's version at the end of that day, its status
-- from the dated events, seen through *today's* sensitivity and deletions. (0008; 0010)
CREATE OR REPLACE FUNCTION projects_as_of(as_of_day date)
 RETURNS SETOF project_versions
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$
          SELECT v.id AS id, v.slug AS slug, v.name_zh AS name_zh, v.name_en AS name_en, v.aliases AS aliases, v.category AS category, coalesce((SELECT e.status FROM status_events e WHERE e.project_id = v.id
                            AND e.effective_date <= as_of_day ORDER BY e.effective_date DESC, e.id DESC LIMIT 1),
                           (SELECT f.status FROM project_versions f WHERE f.id = v.id ORDER BY f.version LIMIT 1)) AS status, v.status_basis AS status_basis, v.geom AS geom, v.location_precision AS location_precision, v.location_note AS location_note, v.plan_chapter AS plan_chapter, v.plan_section AS plan_section, v.source_quote AS source_quote, v.figures AS figures, v.start_year AS start_year, v.end_year AS end_year, v.created_at AS created_at, v.updated_at AS updated_at, v.version AS version, v.seeded_version AS seeded_version, v.deleted_at AS deleted_at, v.status_reason AS status_reason, v.merged_into_id AS merged_into_id, v.planned_start AS planned_start, v.planned_end AS planned_end, v.planned_investment_cny_100m AS planned_investment_cny_100m, v.actual_start AS actual_start, v.actual_end AS actual_end, v.actual_spend_cny_100m AS actual_spend_cny_100m, v.sensitive OR today.sensitive AS sensitive, v.valid_from AS valid_from, v.valid_to AS valid_to, v.info_date AS info_date, v.info_precision AS info_precision, v.location_note_zh AS location_note_zh
          FROM (SELECT DISTINCT ON (id) * FROM project_versions
                WHERE valid_from < as_of_day + 1 ORDER BY id, valid_from DESC) v
          JOIN projects today ON today.id = v.id
          WHERE today.deleted_at IS NULL
        $function$;

-- projects_as_of() as the public may see it: a sensitive site at its town seat, like
-- projects_public. (0008; 0010)
CREATE OR REPLACE FUNCTION projects_public_as_of(as_of_day date)
 RETURNS SETOF project_versions
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$
          SELECT p.id AS id, p.slug AS slug, p.name_zh AS name_zh, p.name_en AS name_en, p.aliases AS aliases, p.category AS category, p.status AS status, p.status_basis AS status_basis, CASE WHEN p.sensitive THEN (SELECT t.seat FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                                            WHERE pt.project_id = p.id ORDER BY t.slug LIMIT 1)
                    ELSE p.geom END AS geom, CASE WHEN p.sensitive THEN 'town'::varchar(16) ELSE p.location_precision END AS location_precision, CASE WHEN p.sensitive THEN 'Sensitive site: shown to the public at its town seat only.'::text
                             ELSE p.location_note END AS location_note, p.plan_chapter AS plan_chapter, p.plan_section AS plan_section, p.source_quote AS source_quote, p.figures AS figures, p.start_year AS start_year, p.end_year AS end_year, p.created_at AS created_at, p.updated_at AS updated_at, p.version AS version, p.seeded_version AS seeded_version, p.deleted_at AS deleted_at, p.status_reason AS status_reason, p.merged_into_id AS merged_into_id, p.planned_start AS planned_start, p.planned_end AS planned_end, p.planned_investment_cny_100m AS planned_investment_cny_100m, p.actual_start AS actual_start, p.actual_end AS actual_end, p.actual_spend_cny_100m AS actual_spend_cny_100m, p.sensitive AS sensitive, p.valid_from AS valid_from, p.valid_to AS valid_to, p.info_date AS info_date, p.info_precision AS info_precision, CASE WHEN p.sensitive THEN '敏感场所：对公众只显示在其所在镇的镇政府驻地。'::text ELSE p.location_note_zh END AS location_note_zh FROM projects_as_of(as_of_day) p
        $function$;

-- Statement-level trigger on project_towns and plan_projects: the statistics follow a project's towns
-- and plan memberships. Stands aside when another trigger writes them (a new project joining its plan,
-- a deleted project's cascade): the trigger on projects recomputes those projects after it. (0017)
CREATE OR REPLACE FUNCTION stats_follow_links()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  -- Written by another trigger (a new project joining its plan, a deleted project's cascade): the
  -- statement trigger on projects recomputes those projects after it.
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM stats_summary_refresh(ARRAY(SELECT DISTINCT project_id FROM changed_new));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM stats_summary_refresh(ARRAY(SELECT project_id FROM changed_new UNION SELECT project_id FROM changed_old));
  ELSE
    PERFORM stats_summary_refresh(ARRAY(SELECT DISTINCT project_id FROM changed_old));
  END IF;
  RETURN NULL;
END $function$;

-- Statement-level trigger on projects (insert, update, delete; with transition tables): the
-- statistics follow every write of a project, including soft deletion, restore, merge, imports and
-- synth, once per statement whatever its number of rows. (0017)
CREATE OR REPLACE FUNCTION stats_follow_projects()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM stats_summary_refresh(ARRAY(SELECT id FROM changed_new));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM stats_summary_refresh(ARRAY(SELECT id FROM changed_new UNION SELECT id FROM changed_old));
  ELSE
    PERFORM stats_summary_refresh(ARRAY(SELECT id FROM changed_old));
  END IF;
  RETURN NULL;
END $function$;

-- Brings the statistics up to date for the projects a statement touched (0017): locks their rows (two
-- writers of one project take turns), recomputes their keys, adds new minus stored to stats_summary
-- (in key order, so concurrent writers lock summary rows in one order) and stores the new keys.
CREATE OR REPLACE FUNCTION stats_summary_refresh(ids integer[])
 RETURNS void
 LANGUAGE plpgsql
 SET work_mem TO '64MB'
AS $function$
DECLARE
  part integer[];
  fresh stats_project_keys[];
BEGIN
  -- In parts of 10,000 projects, so that a statement touching a million rows needs no more memory
  -- than one of ten thousand.
  FOR i IN 0 .. (coalesce(cardinality(ids), 0) - 1) / 10000 LOOP
    part := ids[i * 10000 + 1 : (i + 1) * 10000];
    -- Writers of the same projects take turns from here on: the next statements see the other's keys.
    PERFORM 1 FROM projects WHERE id = ANY(part) ORDER BY id FOR NO KEY UPDATE;
    SELECT array_agg(ROW(k.*)::stats_project_keys) INTO fresh
      FROM stats_project_keys_live k WHERE k.project_id = ANY(part);
    -- Stored keys that changed or whose project is gone are taken out and subtracted; new keys are
    -- added. A statement that changed nothing the statistics read (most edits) writes nothing here.
    WITH new AS (
      SELECT f.* FROM unnest(fresh) f
      WHERE NOT EXISTS (SELECT 1 FROM stats_project_keys k
                        WHERE k.project_id = f.project_id AND ROW(k.*) IS NOT DISTINCT FROM ROW(f.*))
    ), old AS (
      DELETE FROM stats_project_keys k
      WHERE k.project_id = ANY(part)
        AND NOT EXISTS (SELECT 1 FROM unnest(fresh) f
                        WHERE f.project_id = k.project_id AND ROW(k.*) IS NOT DISTINCT FROM ROW(f.*))
      RETURNING k.*
    ), delta AS (
      SELECT plan_id, towns, status, category, chapter, start_due, end_due, open_undated, no_recorded_start, over_budget, info_until, sum(n) AS n FROM (
        SELECT m.plan_id, k.towns, k.status, k.category, m.chapter,
               CASE WHEN m.plan_id <> 0 THEN k.start_due END AS start_due,
               CASE WHEN m.plan_id <> 0 THEN k.end_due END AS end_due,
               m.plan_id <> 0 AND k.open_undated AS open_undated,
               m.plan_id <> 0 AND k.no_recorded_start AS no_recorded_start,
               m.plan_id <> 0 AND k.over_budget AS over_budget,
               CASE WHEN m.plan_id <> 0 THEN k.info_until END AS info_until,
               1 AS n
        FROM new k
        CROSS JOIN LATERAL unnest(array_append(k.plans, 0), array_append(k.chapters, NULL::text))
                           AS m(plan_id, chapter)
        UNION ALL
        SELECT m.plan_id, k.towns, k.status, k.category, m.chapter,
               CASE WHEN m.plan_id <> 0 THEN k.start_due END AS start_due,
               CASE WHEN m.plan_id <> 0 THEN k.end_due END AS end_due,
               m.plan_id <> 0 AND k.open_undated AS open_undated,
               m.plan_id <> 0 AND k.no_recorded_start AS no_recorded_start,
               m.plan_id <> 0 AND k.over_budget AS over_budget,
               CASE WHEN m.plan_id <> 0 THEN k.info_until END AS info_until,
               -1 AS n
        FROM old k
        CROSS JOIN LATERAL unnest(array_append(k.plans, 0), array_append(k.chapters, NULL::text))
                           AS m(plan_id, chapter)) c
      GROUP BY plan_id, towns, status, category, chapter, start_due, end_due, open_undated, no_recorded_start, over_budget, info_until
      HAVING sum(n) <> 0
    )
    INSERT INTO stats_summary AS s (plan_id, towns, status, category, chapter, start_due, end_due, open_undated, no_recorded_start, over_budget, info_until, n)
    SELECT plan_id, towns, status, category, chapter, start_due, end_due, open_undated, no_recorded_start, over_budget, info_until, n FROM delta ORDER BY plan_id, towns, status, category, chapter, start_due, end_due, open_undated, no_recorded_start, over_budget, info_until
    ON CONFLICT (plan_id, towns, status, category, chapter, start_due, end_due, open_undated, no_recorded_start, over_budget, info_until) DO UPDATE SET n = s.n + EXCLUDED.n;
    INSERT INTO stats_project_keys
    SELECT f.* FROM unnest(fresh) f
    WHERE NOT EXISTS (SELECT 1 FROM stats_project_keys k WHERE k.project_id = f.project_id);
  END LOOP;
  DELETE FROM stats_summary WHERE n = 0;
END $function$;

-- The larger side, in Web Mercator metres, of a geometry's bounding box: a project at least one grid
-- cell wide is drawn whole in a low-zoom tile, a smaller one counted (app/queries/tiles.py has the same
-- arithmetic). The predicate of the partial index projects_tile_large_idx. (0019)
CREATE OR REPLACE FUNCTION tile_extent(g geometry)
 RETURNS double precision
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
  SELECT greatest(
    (public.ST_XMax(b) - public.ST_XMin(b)) * 111319.49079327357,
    (ln(tan(pi() / 4 + radians(public.ST_YMax(b)) / 2)) * 6378137.0) - (ln(tan(pi() / 4 + radians(public.ST_YMin(b)) / 2)) * 6378137.0)
  )
  FROM (SELECT public.box2d(g) AS b) s
$function$;

-- The Morton code of a cell of the finest tile grid (2^13 cells around the world): every quadtree tile's
-- cells are one contiguous range of it, so a low-zoom tile reads its counts with one index range. (0019)
CREATE OR REPLACE FUNCTION tile_morton(gx integer, gy integer)
 RETURNS bigint
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
  SELECT (tile_spread(gx) << 1) | tile_spread(gy)
$function$;

-- Every other bit of a 16-bit number spread out (abcd -> 0a0b0c0d): half of tile_morton. (0019)
CREATE OR REPLACE FUNCTION tile_spread(v bigint)
 RETURNS bigint
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
  SELECT (d | (d << 1)) & 1431655765 FROM (
    SELECT (c | (c << 2)) & 858993459 AS d FROM (
      SELECT (b | (b << 4)) & 252645135 AS c FROM (SELECT (v | (v << 8)) & 16711935 AS b) s1) s2) s3
$function$;

-- Statement-level trigger on towns: a sensitive site is shown to the public at the seat of its first
-- town by slug, so a new seat or slug refreshes its kept keys (its tile cell). (0019)
CREATE OR REPLACE FUNCTION tiles_follow_towns()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  -- A sensitive site is shown at the seat of its first town by slug: a new seat or slug moves it.
  PERFORM stats_summary_refresh(ARRAY(
    SELECT DISTINCT pt.project_id
    FROM changed_new n JOIN changed_old o ON o.id = n.id
    JOIN project_towns pt ON pt.town_id = n.id
    JOIN projects p ON p.id = pt.project_id AND p.sensitive
    WHERE n.seat IS DISTINCT FROM o.seat OR n.slug IS DISTINCT FROM o.slug));
  RETURN NULL;
END $function$;

-- Every town is a responsible unit as well (issue 17): a town added or renamed in `towns` gets or
-- updates its unit, since towns are loaded after the migrations run. (0012)
CREATE OR REPLACE FUNCTION units_follow_towns()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
            BEGIN
              INSERT INTO units (slug, name_zh, name_en, kind, town_id, source)
              VALUES (NEW.slug, NEW.name_zh, NEW.name_en, 'town', NEW.id, '连州市十四五规划:“组织协调市各有关部门和各乡镇按照职能分工”(各乡镇)')
              ON CONFLICT (town_id) DO UPDATE
                SET slug = EXCLUDED.slug, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en;
              RETURN NULL;
            END $function$;

CREATE OR REPLACE TRIGGER annual_programmes_summary_delete AFTER DELETE ON annual_programmes REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_programmes();

CREATE OR REPLACE TRIGGER annual_programmes_summary_update AFTER UPDATE ON annual_programmes REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_programmes();

CREATE OR REPLACE TRIGGER plan_projects_stats_delete AFTER DELETE ON plan_projects REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION stats_follow_links();

CREATE OR REPLACE TRIGGER plan_projects_stats_insert AFTER INSERT ON plan_projects REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION stats_follow_links();

CREATE OR REPLACE TRIGGER plan_projects_stats_update AFTER UPDATE ON plan_projects REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION stats_follow_links();

CREATE OR REPLACE TRIGGER programme_items_summary_delete AFTER DELETE ON programme_items REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_items();

CREATE OR REPLACE TRIGGER programme_items_summary_insert AFTER INSERT ON programme_items REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_items();

CREATE OR REPLACE TRIGGER programme_items_summary_update AFTER UPDATE ON programme_items REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_items();

CREATE OR REPLACE TRIGGER progress_reports_years_delete AFTER DELETE ON progress_reports REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION progress_years_follow();

CREATE OR REPLACE TRIGGER progress_reports_years_insert AFTER INSERT ON progress_reports REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION progress_years_follow();

CREATE OR REPLACE TRIGGER progress_reports_years_update AFTER UPDATE ON progress_reports REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION progress_years_follow();

CREATE OR REPLACE TRIGGER project_towns_stats_delete AFTER DELETE ON project_towns REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION stats_follow_links();

CREATE OR REPLACE TRIGGER project_towns_stats_insert AFTER INSERT ON project_towns REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION stats_follow_links();

CREATE OR REPLACE TRIGGER project_towns_stats_update AFTER UPDATE ON project_towns REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION stats_follow_links();

CREATE OR REPLACE TRIGGER project_towns_summary_delete AFTER DELETE ON project_towns REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_links();

CREATE OR REPLACE TRIGGER project_towns_summary_insert AFTER INSERT ON project_towns REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_links();

CREATE OR REPLACE TRIGGER project_towns_summary_update AFTER UPDATE ON project_towns REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_links();

CREATE OR REPLACE TRIGGER project_units_summary_delete AFTER DELETE ON project_units REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_links();

CREATE OR REPLACE TRIGGER project_units_summary_insert AFTER INSERT ON project_units REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_links();

CREATE OR REPLACE TRIGGER project_units_summary_update AFTER UPDATE ON project_units REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_links();

CREATE OR REPLACE TRIGGER projects_information_date BEFORE INSERT OR UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION planmap_information_date();

CREATE OR REPLACE TRIGGER projects_join_plan AFTER INSERT ON projects FOR EACH ROW EXECUTE FUNCTION planmap_join_plan();

CREATE OR REPLACE TRIGGER projects_record_version AFTER INSERT OR UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION planmap_record_version();

CREATE OR REPLACE TRIGGER projects_stats_delete AFTER DELETE ON projects REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION stats_follow_projects();

CREATE OR REPLACE TRIGGER projects_stats_insert AFTER INSERT ON projects REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION stats_follow_projects();

CREATE OR REPLACE TRIGGER projects_stats_update AFTER UPDATE ON projects REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION stats_follow_projects();

CREATE OR REPLACE TRIGGER projects_summary_delete AFTER DELETE ON projects REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_projects();

CREATE OR REPLACE TRIGGER projects_summary_update AFTER UPDATE ON projects REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION progress_summary_follow_projects();

CREATE OR REPLACE TRIGGER towns_tiles_update AFTER UPDATE ON towns REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION tiles_follow_towns();

CREATE OR REPLACE TRIGGER towns_units AFTER INSERT OR UPDATE OF slug, name_zh, name_en ON towns FOR EACH ROW EXECUTE FUNCTION units_follow_towns();
