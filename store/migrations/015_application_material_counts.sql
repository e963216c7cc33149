-- The assessment metrics' 免提交率 sums, over a period's applications, the
-- materials their departments get (handed in, deferred or exempt) and those
-- exempt. Counted from application_materials when the metrics are asked for,
-- that read a dozen rows per application: 3 million for a year of 10^6 cases,
-- five seconds of the answer (bench --scale). Materials are written once, with
-- their application, and never change, so the two counts are stored with it
-- (store/applications.ts, `materialCounts` of domain/metrics.ts).
ALTER TABLE applications ADD COLUMN materials_needed integer NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN materials_exempt integer NOT NULL DEFAULT 0;

UPDATE applications a
   SET materials_needed = m.needed, materials_exempt = m.exempt
  FROM (SELECT application_id,
               count(*) FILTER (WHERE provision IS NOT NULL OR exemption IS NOT NULL)::int AS needed,
               count(*) FILTER (WHERE exemption IS NOT NULL)::int AS exempt
          FROM application_materials
         GROUP BY application_id) m
 WHERE m.application_id = a.id;
