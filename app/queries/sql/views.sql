-- The SQL views of planmap as they stand after the last migration (0016), in one place to
-- read. The migrations create and change them; this file is their current text, written by
-- scripts/dev/write_sql_files.py, and tests/queries/test_sql_files.py fails when the two drift apart.


-- What the public may read of projects: every project, but a sensitive one only at its town's
-- seat (the first of its towns by slug), with `town` precision and a note saying so, so that no
-- public read (API, OGC, tiles, exports, pages, feeds, wall maps) can reach the precise geometry.
-- Staff reads use `projects` itself (app.queries.sources). Created by 0004; columns since 0010.
CREATE OR REPLACE VIEW projects_public AS
SELECT p.id,
    p.slug,
    p.name_zh,
    p.name_en,
    p.aliases,
    p.category,
    p.status,
    p.status_basis,
    p.geom,
    p.location_precision,
    p.location_note,
    p.plan_chapter,
    p.plan_section,
    p.source_quote,
    p.figures,
    p.start_year,
    p.end_year,
    p.created_at,
    p.updated_at,
    p.version,
    p.seeded_version,
    p.deleted_at,
    p.status_reason,
    p.merged_into_id,
    p.planned_start,
    p.planned_end,
    p.planned_investment_cny_100m,
    p.actual_start,
    p.actual_end,
    p.actual_spend_cny_100m,
    p.sensitive,
    p.info_date,
    p.info_precision,
    p.location_note_zh
   FROM projects p
  WHERE NOT p.sensitive
UNION ALL
 SELECT p.id,
    p.slug,
    p.name_zh,
    p.name_en,
    p.aliases,
    p.category,
    p.status,
    p.status_basis,
    ( SELECT t.seat
           FROM project_towns pt
             JOIN towns t ON t.id = pt.town_id
          WHERE pt.project_id = p.id
          ORDER BY t.slug
         LIMIT 1) AS geom,
    'town'::character varying(16) AS location_precision,
    'Sensitive site: shown to the public at its town seat only.'::text AS location_note,
    p.plan_chapter,
    p.plan_section,
    p.source_quote,
    p.figures,
    p.start_year,
    p.end_year,
    p.created_at,
    p.updated_at,
    p.version,
    p.seeded_version,
    p.deleted_at,
    p.status_reason,
    p.merged_into_id,
    p.planned_start,
    p.planned_end,
    p.planned_investment_cny_100m,
    p.actual_start,
    p.actual_end,
    p.actual_spend_cny_100m,
    p.sensitive,
    p.info_date,
    p.info_precision,
    '敏感场所：对公众只显示在其所在镇的镇政府驻地。'::text AS location_note_zh
   FROM projects p
  WHERE p.sensitive;
