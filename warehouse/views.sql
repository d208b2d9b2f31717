-- Stable, readable views over the published tables, for researchers writing SQL.
-- One statement per block; blocks are separated by a line holding only ";".

CREATE VIEW figures_readable AS
SELECT f.figure_id, f.value, f.value_low, f.value_high, f.qualifier, f.category, f.unit,
       f.reporter_text, r.name AS reporter_name, p.name AS place_name, p.country_iso3 AS place_country,
       f.window_kind, f.window_start, f.window_end, f.quote, f.sentence,
       a.title AS article_title, a.outlet AS article_outlet, a.url AS article_url, a.published_at,
       f.article_id, f.char_start, f.char_end, f.event_id, f.confidence
FROM figures f
JOIN articles a USING (article_id)
LEFT JOIN actors r ON r.actor_id = f.reporter_actor_id
LEFT JOIN places p ON p.place_id = f.place_id
;
CREATE VIEW events_readable AS
SELECT e.event_id, e.event_type, e.mode, e.context, a1.name AS actor1_name, a2.name AS actor2_name,
       p.name AS place_name, p.country_iso3 AS place_country, p.lat, p.lon,
       e.date_start, e.date_end, e.date_precision, e.cameo_root, e.acled_event_type, e.cluster_id,
       e.quote, e.sentence, ar.title AS article_title, ar.outlet AS article_outlet, ar.url AS article_url,
       ar.published_at, e.article_id, e.char_start, e.char_end, e.confidence
FROM events e
JOIN articles ar USING (article_id)
LEFT JOIN actors a1 ON a1.actor_id = e.actor1_id
LEFT JOIN actors a2 ON a2.actor_id = e.actor2_id
LEFT JOIN places p ON p.place_id = e.place_id
;
CREATE VIEW inputs_account AS
SELECT 'article' AS outcome, source_file AS input_ref, article_id, NULL AS reason FROM articles
UNION ALL SELECT 'duplicate', input_ref, article_id, kind FROM duplicates
UNION ALL SELECT 'quarantined', input_ref, NULL, reason FROM quarantine
