"""`explorer.html`: a static, offline page to browse a release's figures and events.

One self-contained HTML file (data, script and styles inline; nothing loaded from the network): filters by place,
date range, category or event type, reporter and actor; each row opens its quote highlighted in its sentence with
a link to the article; a map of the places with country outlines (Natural Earth 1:110m, from the world-atlas
TopoJSON in `assets/geo/`, public domain / ISC) and labels that do not overlap; figures over time per place and
category; and, where the release has them, the best estimates. The page's script is `assets/explorer.js`.
"""

from __future__ import annotations

import functools
import html
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

ASSETS = Path(__file__).with_name("assets")
MAX_ROWS = 20_000  # rows per table embedded in the page; the flat CSV files hold them all
MAP_W, MAP_H = 640, 420


def _s(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def _num(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _span_in_sentence(quote: str, sentence: str) -> int:
    return sentence.find(quote) if quote and sentence else -1


def explorer_data(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The rows the page shows, with actor, place and article names resolved."""
    actors = dict(zip(tables["actors"]["actor_id"], tables["actors"]["name"]))
    places = {r.place_id: r for r in tables["places"].itertuples(index=False)}
    arts = {r.article_id: r for r in tables["articles"].itertuples(index=False)}

    def article(aid: str) -> dict[str, Any]:
        a = arts.get(aid)
        return {"article_id": aid, "title": _s(a.title) if a else None, "url": _s(a.url) if a else None,
                "outlet": _s(a.outlet) if a else None, "published_at": _s(a.published_at) if a else None}

    def place(pid: Any) -> str | None:
        p = places.get(pid) if isinstance(pid, str) else None
        return _s(p.name) if p is not None else None

    figures = []
    for r in tables["figures"].head(MAX_ROWS).itertuples(index=False):
        rep = actors.get(r.reporter_actor_id) if isinstance(r.reporter_actor_id, str) else None
        figures.append({
            "id": r.figure_id, "value": _num(r.value), "low": _num(r.value_low), "high": _num(r.value_high),
            "qualifier": r.qualifier, "category": r.category, "unit": r.unit, "reporter": rep or _s(r.reporter_text),
            "place_id": _s(r.place_id), "place": place(r.place_id), "start": _s(r.window_start), "end": _s(r.window_end),
            "kind": r.window_kind, "quote": r.quote, "sentence": r.sentence, "at": _span_in_sentence(r.quote, r.sentence),
            "actors": [a for a in (rep,) if a], **article(r.article_id)})
    events = []
    for r in tables["events"].head(MAX_ROWS).itertuples(index=False):
        names = [actors.get(a) for a in (r.actor1_id, r.actor2_id) if isinstance(a, str)]
        assoc = [actors.get(a) for a in (list(r.assoc_actor_ids) if r.assoc_actor_ids is not None else [])]
        events.append({
            "id": r.event_id, "type": r.event_type, "mode": _s(r.mode),
            "actor1": actors.get(r.actor1_id) if isinstance(r.actor1_id, str) else None,
            "actor2": actors.get(r.actor2_id) if isinstance(r.actor2_id, str) else None,
            "place_id": _s(r.place_id), "place": place(r.place_id), "start": _s(r.date_start), "end": _s(r.date_end),
            "context": list(r.context) if r.context is not None else [], "quote": r.quote, "sentence": r.sentence,
            "at": _span_in_sentence(r.quote, r.sentence), "actors": sorted({a for a in names + assoc if a}),
            **article(r.article_id)})
    best = []
    if "best_estimates" in tables:
        for r in tables["best_estimates"].head(MAX_ROWS).itertuples(index=False):
            best.append({"id": r.estimate_id, "category": r.category, "place_id": _s(r.place_id), "place": place(r.place_id),
                         "start": _s(r.window_start), "end": _s(r.window_end), "low": _num(r.low), "best": _num(r.best),
                         "high": _num(r.high), "rule": r.rule, "claims": list(r.figure_ids), "n_reporters": int(r.n_reporters)})
    return {"figures": figures, "events": events, "best": best,
            "truncated": {n: max(0, len(tables[n]) - MAX_ROWS) for n in ("figures", "events")},
            "map": map_data(tables["places"])}


@functools.lru_cache(maxsize=1)
def country_rings() -> list[tuple[str, list[list[tuple[float, float]]]]]:
    """(name, rings of (lon, lat)) of every country in the bundled TopoJSON."""
    topo = json.loads((ASSETS / "geo" / "countries-110m.json").read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)

    def ring(idx: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in idx:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts[1:] if out else pts)
        return out

    out = []
    for g in topo["objects"]["countries"]["geometries"]:
        polys = g.get("arcs") or []
        if g["type"] == "Polygon":
            polys = [polys]
        rings = [ring(r) for poly in polys for r in poly]
        out.append((g.get("properties", {}).get("name", ""), rings))
    return out


def map_frame(points: list[tuple[float, float]]) -> tuple[tuple[float, float, float, float], list[int]]:
    """The map's lon/lat box around the places, and which points fall outside it: a point far from the others
    (beyond three times their spread from their median) does not stretch the map."""
    lons, lats = sorted(p[0] for p in points), sorted(p[1] for p in points)
    mlon, mlat = lons[len(lons) // 2], lats[len(lats) // 2]
    spread = max(2.0, 3 * max(lons[(3 * len(lons)) // 4] - lons[len(lons) // 4], lats[(3 * len(lats)) // 4] - lats[len(lats) // 4], 1.0))
    inside = [i for i, (x, y) in enumerate(points) if abs(x - mlon) <= spread and abs(y - mlat) <= spread]
    outside = [i for i in range(len(points)) if i not in set(inside)]
    xs, ys = [points[i][0] for i in inside], [points[i][1] for i in inside]
    w, h = max(max(xs) - min(xs), 2.0), max(max(ys) - min(ys), 2.0)
    return (min(xs) - 0.25 * w, min(ys) - 0.25 * h, max(xs) + 0.25 * w, max(ys) + 0.25 * h), outside


def map_data(places: pd.DataFrame) -> dict[str, Any]:
    """Projected place points and country outline paths for the map (equirectangular, scaled at the centre)."""
    known = places.dropna(subset=["lat", "lon"])
    pts = [(float(r.lon), float(r.lat)) for r in known.itertuples(index=False)]
    if not pts:
        return {"width": MAP_W, "height": MAP_H, "paths": [], "places": [], "outside": []}
    (x0, y0, x1, y1), outside = map_frame(pts)
    k = math.cos(math.radians((y0 + y1) / 2))
    scale = min(MAP_W / ((x1 - x0) * k), MAP_H / (y1 - y0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return round(MAP_W / 2 + (lon - cx) * k * scale, 1), round(MAP_H / 2 - (lat - cy) * scale, 1)

    paths = []
    for name, rings in country_rings():
        if not any(x0 - 5 <= lon <= x1 + 5 and y0 - 5 <= lat <= y1 + 5 for r in rings for lon, lat in r[:: max(1, len(r) // 50)] + r[-1:]):
            continue
        d = " ".join("M" + "L".join(f"{a},{b}" for a, b in (xy(lon, lat) for lon, lat in r)) + "Z" for r in rings if r)
        paths.append({"name": name, "d": d})
    out_set = set(outside)
    placed = []
    for i, r in enumerate(known.itertuples(index=False)):
        x, y = xy(float(r.lon), float(r.lat))
        placed.append({"place_id": r.place_id, "name": r.name, "x": x, "y": y, "outside": i in out_set})
    return {"width": MAP_W, "height": MAP_H, "paths": paths, "places": [p for p in placed if not p["outside"]],
            "outside": [p["name"] for p in placed if p["outside"]]}


def explorer_html(tables: dict[str, pd.DataFrame], version: str, variant: str) -> str:
    data = json.dumps(explorer_data(tables), ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    template = (ASSETS / "explorer.html").read_text(encoding="utf-8")
    script = (ASSETS / "explorer.js").read_text(encoding="utf-8")
    return (template.replace("{{VERSION}}", html.escape(version)).replace("{{VARIANT}}", html.escape(variant))
            .replace("{{DATA}}", data).replace("{{SCRIPT}}", script))


def write_explorer(folder: Path, tables: dict[str, pd.DataFrame], version: str, variant: str) -> Path:
    path = Path(folder) / "explorer.html"
    path.write_text(explorer_html(tables, version, variant), encoding="utf-8")
    return path
