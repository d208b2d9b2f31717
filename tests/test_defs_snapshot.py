"""A snapshot of the Dagster definitions as the UI shows them: asset keys and their groups, which assets a
"Materialize all" can run, the checks, jobs, schedules and sensors (with their default status). A change to any of
these is a change users see: update the snapshot on purpose, and the README with it."""

from __future__ import annotations

from pipeline.defs import defs

SNAPSHOT = {
    "assets": {
        "articles": ("ingest", True), "duplicates": ("ingest", True), "quarantine": ("ingest", True),
        "actors": ("extract", True), "places": ("extract", True), "events": ("extract", True),
        "figures": ("extract", True), "mentions": ("extract", True), "extraction_problems": ("extract", True),
        "warehouse": ("publish", True),
        "release_snapshot": ("release", False), "release": ("release", False),  # made by the release job only
    },
    "checks": [
        "actors:pandera_actors", "articles:pandera_articles", "duplicates:pandera_duplicates", "events:pandera_events",
        "extraction_problems:pandera_extraction_problems", "figures:pandera_figures", "mentions:all_articles_extracted", "mentions:pandera_mentions",
        "places:pandera_places", "quarantine:inputs_accounted_for", "quarantine:pandera_quarantine",
    ],
    "jobs": ["newsledger", "newsledger_release"],
    "schedules": [("daily_newsledger", "0 5 * * *", "RUNNING")],
    "sensors": [("articles_folder_sensor", 30, "RUNNING")],
}


def test_definitions_match_the_snapshot():
    g = defs.resolve_asset_graph()
    got = {
        "assets": {k.to_user_string(): (g.get(k).group_name, g.get(k).is_executable) for k in g.get_all_asset_keys()},
        "checks": sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in g.asset_check_keys),
        "jobs": sorted(j.name for j in defs.jobs),
        "schedules": [(s.name, s.cron_schedule, s.default_status.value) for s in defs.schedules],
        "sensors": [(s.name, s.minimum_interval_seconds, s.default_status.value) for s in defs.sensors],
    }
    assert got == SNAPSHOT
    spec = next(s for s in defs.resolve_all_asset_specs() if s.key.to_user_string() == "warehouse")
    assert spec.freshness_policy is not None  # the UI shows the published tables' freshness
