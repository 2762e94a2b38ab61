-- The SQL views of planmap as they stand after the last migration (0021), in one place to
-- read. The migrations create and change them; this file is their current text, written by
-- scripts/dev/write_sql_files.py, and tests/queries/test_sql_files.py fails when the two drift apart.


-- What each programme item of a live project contributes to the year's summary kept per group (0021):
-- its towns, lead unit, category, class and planned investment, its kept year (progress_years; zeros
-- when nothing was filed) and, per month m, whether it is behind when m is the last month due (the
-- comparison of app/progress/queries.py's _BEHIND with that month's fixed day counts).
CREATE OR REPLACE VIEW progress_summary_keys_live AS
SELECT i.project_id,
    g.year,
    COALESCE(tw.towns, '{}'::integer[]) AS towns,
    lu.unit_id AS lead_unit,
    p.category::text AS category,
    i.class::text AS item_class,
    i.planned_investment_cny_10k AS planned,
    COALESCE(y.invested_cum, array_fill(0, ARRAY[12])::numeric[])::numeric(16,2)[] AS invested_cum,
    COALESCE(y.filed_cum, array_fill(0, ARRAY[12])::smallint[]) AS filed_cum,
    COALESCE(y.late_after, array_fill(0, ARRAY[28])::smallint[]) AS late_after,
    (ARRAY( SELECT
                CASE
                    WHEN COALESCE(i.planned_investment_cny_10k <> 0::numeric AND (COALESCE(y.invested_cum[m.m], 0::numeric) * (make_date(g.year + 1, 1, 1) - make_date(g.year::integer, 1, 1))::numeric) < (i.planned_investment_cny_10k * ((make_date(g.year::integer, m.m, 1) + '1 mon'::interval)::date - make_date(g.year::integer, 1, 1))::numeric), false) THEN 1
                    ELSE 0
                END AS "case"
           FROM generate_series(1, 12) m(m)
          ORDER BY m.m))::smallint[] AS behind
   FROM programme_items i
     JOIN annual_programmes g ON g.id = i.programme_id
     JOIN projects p ON p.id = i.project_id
     LEFT JOIN progress_years y ON y.project_id = i.project_id AND y.year = g.year
     LEFT JOIN project_units lu ON lu.project_id = i.project_id AND lu.is_lead
     LEFT JOIN LATERAL ( SELECT array_agg(pt.town_id ORDER BY pt.town_id) AS towns
           FROM project_towns pt
          WHERE pt.project_id = i.project_id) tw ON true
  WHERE p.deleted_at IS NULL;

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

-- What each live project contributes to the statistics the database keeps (0017): its plans with
-- their chapters, its towns, status and category, and the dates the date-dependent warnings compare
-- with the reference day (start_due, end_due, info_until) plus the facts that need no date. The
-- conditions are project_warnings()'s, split; tests/queries/test_stats_summary.py checks they agree.
-- Since 0019 also where the public sees it on the finest tile grid (tile_gx, tile_gy, their Morton
-- code tile_cell) and how wide it is (tile_extent), for the low-zoom tiles' counts.
CREATE OR REPLACE VIEW stats_project_keys_live AS
SELECT p.id AS project_id,
    COALESCE(m.plans, '{}'::integer[]) AS plans,
    COALESCE(m.chapters, '{}'::text[]) AS chapters,
    COALESCE(tw.towns, '{}'::integer[]) AS towns,
    p.status::text AS status,
    p.category::text AS category,
        CASE
            WHEN (p.status::text = ANY (ARRAY['planned'::text, 'preparing'::text, 'postponed'::text])) AND p.actual_start IS NULL THEN COALESCE(p.planned_start, make_date(p.start_year::integer, 1, 1))
            ELSE NULL::date
        END AS start_due,
        CASE
            WHEN (p.status::text <> ALL (ARRAY['completed'::text, 'existing'::text, 'cancelled'::text, 'merged'::text])) AND p.actual_end IS NULL THEN COALESCE(p.planned_end, make_date(p.end_year::integer, 12, 31))
            ELSE NULL::date
        END AS end_due,
    (p.status::text <> ALL (ARRAY['completed'::text, 'existing'::text, 'cancelled'::text, 'merged'::text])) AND p.actual_end IS NULL AND p.planned_end IS NULL AND p.end_year IS NULL AS open_undated,
    p.status::text = 'under_construction'::text AND p.actual_start IS NULL AS no_recorded_start,
    COALESCE(p.actual_spend_cny_100m > COALESCE(p.planned_investment_cny_100m, (p.figures ->> 'investment_cny_100m'::text)::numeric), false) AS over_budget,
        CASE
            WHEN p.status::text = ANY (ARRAY['planned'::text, 'preparing'::text, 'under_construction'::text, 'postponed'::text, 'suspended'::text]) THEN
            CASE p.info_precision
                WHEN 'year'::text THEN make_date(EXTRACT(year FROM p.info_date)::integer, 12, 31)
                WHEN 'month'::text THEN (p.info_date + '1 mon'::interval)::date - 1
                ELSE p.info_date
            END
            ELSE NULL::date
        END AS info_until,
    tile_morton(c.gx, c.gy) AS tile_cell,
    c.gx AS tile_gx,
    c.gy AS tile_gy,
    tile_extent(g.geom) AS tile_extent
   FROM projects p
     LEFT JOIN LATERAL ( SELECT array_agg(pt.town_id ORDER BY pt.town_id) AS towns
           FROM project_towns pt
          WHERE pt.project_id = p.id) tw ON true
     LEFT JOIN LATERAL ( SELECT array_agg(pp.plan_id ORDER BY pp.plan_id) AS plans,
            array_agg(pp.chapter ORDER BY pp.plan_id) AS chapters
           FROM plan_projects pp
          WHERE pp.project_id = p.id) m ON true
     LEFT JOIN LATERAL ( SELECT
                CASE
                    WHEN p.sensitive THEN ( SELECT t.seat
                       FROM project_towns pt
                         JOIN towns t ON t.id = pt.town_id
                      WHERE pt.project_id = p.id
                      ORDER BY t.slug
                     LIMIT 1)
                    ELSE p.geom
                END AS geom) g ON true
     LEFT JOIN LATERAL ( SELECT box2d(g.geom) AS b) bb ON true
     LEFT JOIN LATERAL ( SELECT LEAST(GREATEST(floor(((st_xmin(bb.b::box3d) + st_xmax(bb.b::box3d)) / 2::double precision * 111319.49079327357::double precision + 20037508.342789244::double precision) / (40075016.685578488 / 8192::numeric)::double precision), 0::double precision), 8191::double precision)::integer AS gx,
            LEAST(GREATEST(floor((20037508.342789244::double precision - (ln(tan(pi() / 4::double precision + radians(st_ymin(bb.b::box3d)) / 2::double precision)) * 6378137.0::double precision + ln(tan(pi() / 4::double precision + radians(st_ymax(bb.b::box3d)) / 2::double precision)) * 6378137.0::double precision) / 2::double precision) / (40075016.685578488 / 8192::numeric)::double precision), 0::double precision), 8191::double precision)::integer AS gy) c ON true
  WHERE p.deleted_at IS NULL;
