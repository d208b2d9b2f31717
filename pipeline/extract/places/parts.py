"""Candidate spans, focus countries, ranking, country parts ("northern Syria") and coordinates."""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from pipeline.extract.context import ArticleContext
from pipeline.extract.places.gazetteer import (
    alternation,
    City,
    Country,
    Gazetteer,
    _LEFT,
    load_gazetteer,
    load_places_lexicon,
    NAME_END,
    Region,
    WORLD_CITY_POPULATION,
)
from pipeline.extract.places.names import fold
from pipeline.ids import slug


# ---------------------------------------------------------------------------------------------- candidates

_CAP = r"(?:[A-ZÀ-ÞĀ-Ž][\wÀ-ɏ]*(?:[’'ʿ‘`](?![sS]\b)[\wÀ-ɏ]+)*\.?)"
_CONNECTOR = r"(?:al|el|an|ar|as|ash|at|ad|az|ed|en|er|es|et|ez|ul|bin|ibn|bani|abu|de|del|la|le|du|di|da|of|the)"
_SEP = r"(?:[ \u00a0]|[-‐‑])"
_SEQ_RE = re.compile(rf"(?<![\w\-])(?<!\w['’]){_CAP}(?:{_SEP}(?:{_CONNECTOR}{_SEP}){{0,2}}{_CAP})*")
_WORD_RE = re.compile(_CAP)
_LEADING_THE = re.compile(r"^(?:The|THE)\s+")
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# A capitalised preposition that spaCy sometimes takes into a name at a sentence start ("Near Palmyra, ...").
LEAD_PREP = re.compile(r"(?:Near|In|At|From|Outside|Inside|Around|Across|Along|Towards?|Into|Beyond|Behind|Within|"
                       r"Throughout|Over|Under|On|Off)\s+(?=[A-Z])")
_MAX_WORDS = 6


@dataclass(frozen=True)
class _Seq:
    start: int
    end: int
    words: tuple[tuple[int, int], ...]  # (start, end) of each capitalised word


def _sequences(text: str) -> list[_Seq]:
    out = []
    for m in _SEQ_RE.finditer(text):
        start, end = m.start(), m.end()
        s = m.group(0)
        lead = _LEADING_THE.match(s)
        if lead:
            start += lead.end()
        if text[end - 1] == "." and not re.search(r"\.\w\.$", text[start:end]):
            end -= 1  # sentence full stop, not an abbreviation such as "U.K."
        if end <= start:
            continue
        words = tuple((w.start() + start, w.end() + start) for w in _WORD_RE.finditer(text[start:end]))
        words = tuple((a, b - 1) if text[b - 1] == "." and not re.search(r"\.\w\.$", text[a:b]) else (a, b)
                      for a, b in words)
        if words:
            out.append(_Seq(start, end, words))
    return out


def _overlaps(a0: int, a1: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(a0 < b1 and b0 < a1 for b0, b1 in spans)


def _strip_possessive(text: str, start: int, end: int) -> int:
    if end - start > 2 and text[end - 2] in "'’" and text[end - 1] in "sS":
        return end - 2
    if end - start > 1 and text[end - 1] in "'’":
        return end - 1
    return end


def _ner_spans(ctx: ArticleContext, labels: frozenset[str]) -> list[tuple[int, int, str]]:
    text = ctx.text
    out = []
    for ent in getattr(ctx.doc, "ents", ()):
        if ent.label_ not in labels:
            continue
        start, end = ent.start_char, ent.end_char
        lead = re.match(r"(?:[Tt]he)\s+", text[start:end])
        if lead:
            start += lead.end()
        prep = LEAD_PREP.match(text, start, end)
        if prep and prep.end() < end:
            start = prep.end()  # "Near Palmyra" tagged as one name
        end = _strip_possessive(text, start, end)
        if end > start:
            out.append((start, end, ent.label_))
    return out


def _modifies_noun(ctx: ArticleContext, start: int, end: int) -> bool:
    """Whether the words end in a modifier of a following noun ("Sunni areas", "Kurdish towns")."""
    span = ctx.doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return False
    last = span[-1]
    return last.dep_ in ("amod", "compound", "nmod") and last.head.i > last.i and last.head.pos_ in ("NOUN", "PROPN")


def _has_propn(ctx: ArticleContext, start: int, end: int) -> bool:
    span = ctx.doc.char_span(start, end, alignment_mode="expand")
    return span is not None and any(t.pos_ == "PROPN" for t in span)


# ---------------------------------------------------------------------------------------------- focus


def focus_countries(ctx: ArticleContext, gazetteer: Gazetteer | None = None) -> list[tuple[str, float]]:
    """Countries the article is about, as (ISO3, score), best first (see the module docstring)."""
    gaz = gazetteer or load_gazetteer()
    text = ctx.text
    score: Counter[str] = Counter()
    first: dict[str, int] = {}

    def add(iso3: str | None, weight: float, pos: int) -> None:
        if iso3 and weight > 0:
            score[iso3] += weight
            first.setdefault(iso3, pos)

    claimed: list[tuple[int, int]] = []
    doer = _doer_after_re()
    for m in gaz.country_re.finditer(text):
        c = gaz.country_by_name(m.group(0))
        if c:
            add(c.iso3, 0.0 if doer.match(text, m.end()) else 1.0, m.start())
            claimed.append(m.span())
    for m in gaz.demonym_re.finditer(text):
        iso3 = gaz.demonym_iso3.get(m.group(0)) or _demonym_iso3(gaz, m.group(0))
        add(iso3, 0.0 if doer.match(text, m.end()) else 1.0, m.start())
        claimed.append(m.span())
    named = set(score)
    ner_place = [(s, e) for s, e, _ in _ner_spans(ctx, frozenset({"GPE", "LOC"}))]
    seen: set[tuple[int, int]] = set()
    for seq in _sequences(text):
        if _overlaps(seq.start, seq.end, claimed):
            continue
        key = (seq.start, seq.end)
        is_ner = any(s <= seq.start and seq.end <= e for s, e in ner_place)
        name = text[seq.start:seq.end]
        if fold(name) in gaz.stop_names or gaz.country_by_name(name) is not None:
            continue  # a country name step 1 did not count is an adjective ("UK-based"), never a city
        # (admin1 names only when their country is named: "Red Sea" is a Sudanese state and a sea)
        regions = [r for r in gaz.regions_named(name) if r.iso3 and (r.admin1code is None or r.iso3 in named)]
        if regions and (is_ner or any(r.iso3 in named for r in regions)) and key not in seen:
            seen.add(key)  # a region of the lexicon ("Golan", "Darfur") before a same-named village elsewhere
            region = min(regions, key=lambda r: (r.iso3 not in named, r.admin1code is None, r.region_id))
            add(region.iso3, 2.0, seq.start)
            continue
        cands = [c for c in gaz.lookup(name) if c.level <= 1]
        if not cands or key in seen:
            continue
        seen.add(key)
        best = max(cands, key=lambda c: (gaz.iso3_of(c.cc) in named, -c.level, c.population, -c.gid))
        iso3 = gaz.iso3_of(best.cc)
        if is_ner or (iso3 in named and _has_propn(ctx, seq.start, seq.end)):
            add(iso3, 2.0, seq.start)
    return sorted(score.items(), key=lambda kv: (-kv[1], first[kv[0]], kv[0]))


@functools.lru_cache(maxsize=1)
def _doer_after_re() -> re.Pattern:
    """Matches, right after a country or nationality, up to two words and then a word that makes it the doer of
    an attack ("Turkish shelling", "US drone strike", "Russian-led air raids"; places.yaml `focus_doer_nouns`)."""
    nouns = sorted(load_places_lexicon().get("focus_doer_nouns") or (), key=len, reverse=True)
    alt = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in nouns)
    return re.compile(r"(?:-\w+)?(?:\s+[a-z][\w-]*){0,2}?\s+(?:%s)\b" % alt) if alt else re.compile(r"(?!)")


def _demonym_iso3(gaz: Gazetteer, word: str) -> str | None:
    for k, v in gaz.demonym_iso3.items():
        if k.lower() == word.lower():
            return v
    return None


def focus_set(ranked: Sequence[tuple[str, float]]) -> list[str]:
    if not ranked:
        return []
    top = ranked[0][1]
    return [iso3 for iso3, s in ranked if s >= max(1.0, top / 4)]


# ---------------------------------------------------------------------------------------------- ranking


def _rank(cands: Sequence[City], focus2: Sequence[str]) -> City | None:
    """Best city for a name: focus countries, key level, population, geonameid."""
    pool = [c for c in cands if c.level <= 1 or c.cc in focus2]
    if not pool:
        return None
    order = {cc: i for i, cc in enumerate(focus2)}

    def key(c: City) -> tuple:
        return (order.get(c.cc, len(order)), c.level, -c.population, c.gid)

    best = min(pool, key=key)
    if best.cc in order and best.level > 0 and best.population < 50_000:
        world = [c for c in pool if c.level == 0 and c.population >= WORLD_CITY_POPULATION]
        if world:
            best = min(world, key=lambda c: (-c.population, c.gid))
    return best


# ---------------------------------------------------------------------------------------------- country parts


@functools.lru_cache(maxsize=4)
def _part_patterns(gaz: "Gazetteer") -> dict[str, re.Pattern[str]]:
    """Regexes for directional parts, borders and territory of countries (lexicon: places.yaml)."""
    lex = load_places_lexicon()
    dirs = lex.get("directions") or {}
    adj = {w: d for d, v in dirs.items() for w in v.get("adj", ())}
    noun = {w: d for d, v in dirs.items() for w in v.get("noun", ())}
    country = "(?P<country>" + alternation(n for ns in gaz.country_names.values() for n in ns) + ")"
    demonym = "(?P<demonym>" + alternation(w for w in gaz.demonym_iso3 if w[:1].isupper()) + ")"
    border = "(?P<border>" + "|".join(map(re.escape, sorted(lex.get("border_nouns") or (), key=len, reverse=True))) + ")"
    territory = "(?:" + "|".join(map(re.escape, lex.get("territory_nouns") or ())) + ")"

    def words(ws) -> str:
        # case-insensitive first letter only ("Northern Syria" at a sentence start)
        alts = sorted(ws, key=len, reverse=True)
        return "(?:" + "|".join(f"[{w[0].upper()}{w[0].lower()}]{re.escape(w[1:])}" for w in alts) + ")"

    _patterns_words = {"adj": adj, "noun": noun}
    pats = {
        "dir_before": re.compile(_LEFT + f"(?P<dir>{words(adj)})[ \u00a0]+(?:of[ \u00a0]+)?{country}" + NAME_END),
        "dir_after": re.compile(_LEFT + f"{country}['’]s?[ \u00a0]+(?:far[ \u00a0]+)?(?P<dir>{words(noun)})" + r"\b"),
        "border_adj": re.compile(_LEFT + f"{demonym}[ \u00a0]+{border}" + r"\b"),
        "border_poss": re.compile(_LEFT + f"{country}['’]s?[ \u00a0]+{border}" + r"\b"),
        "border_with": re.compile(r"\b" + f"{border}[ \u00a0]+with[ \u00a0]+(?:the[ \u00a0]+)?{country}" + NAME_END),
        "territory": re.compile(_LEFT + f"{demonym}[ \u00a0]+{territory}" + r"\b"),
    }
    pats["_dirs"] = _patterns_words  # type: ignore[assignment]
    return pats


def _direction_slug(gaz: "Gazetteer", word: str, kind: str) -> str | None:
    table = _part_patterns(gaz)["_dirs"][kind]  # type: ignore[index]
    return table.get(word.lower())


def _country_of_match(gaz: "Gazetteer", m: re.Match[str]) -> Country | None:
    if m.groupdict().get("country"):
        return gaz.country_by_name(m.group("country"))
    if m.groupdict().get("demonym"):
        iso3 = gaz.demonym_iso3.get(m.group("demonym")) or _demonym_iso3(gaz, m.group("demonym"))
        return gaz.country_by_iso3(iso3) if iso3 else None
    return None


def country_part_region(country: Country, part: str) -> Region:
    """The region place of a part of a country: a compass direction ("northwest") or "border"."""
    if part == "border":
        name = f"{country.name} border"
    else:
        name = f"{part.capitalize()} {country.name}"
    return Region(f"rg_{country.iso3.lower()}_{part}", name, country.iso2, country.iso3, None, None, None, (name,))


def _country_parts(text: str, gaz: "Gazetteer") -> list[tuple[int, int, str, object]]:
    """(start, end, place_id, Region|Country) for "northern Syria", "Syria's northwest", "the Turkish border",
    "Turkey's border", "the border with Turkey", "Syrian territory". A span that is itself a country name
    ("South Sudan", "North Korea") is the country, left to the country step."""
    pats = _part_patterns(gaz)
    out = []
    for key in ("dir_before", "dir_after", "border_adj", "border_poss", "border_with", "territory"):
        for m in pats[key].finditer(text):
            a, b = m.span()
            if gaz.country_by_name(text[a:b]) is not None:
                continue
            country = _country_of_match(gaz, m)
            if country is None:
                continue
            if key == "territory":
                out.append((a, b, f"iso_{country.iso3}", country))
                continue
            if key.startswith("border"):
                part = "border"
            else:
                part = _direction_slug(gaz, m.group("dir"), "adj" if key == "dir_before" else "noun")
                if part is None:
                    continue
            region = country_part_region(country, part)
            out.append((a, b, region.region_id, region))
    return out


_ANAPHORA_MAX_CHARS = 2000  # how far back a nominal reference ("the town") looks for its place


def _anaphora_re() -> re.Pattern[str]:
    nouns = sorted((load_places_lexicon().get("anaphora") or {}), key=len, reverse=True)
    return re.compile(r"\b[Tt]he[ \u00a0]+(?P<noun>" + "|".join(map(re.escape, nouns)) + r")\b(?![ \u00a0]+of\b)"
                      r"(?![ \u00a0]+[A-Z])")


def _precision_of(obj: object) -> str | None:
    if isinstance(obj, City):
        return "city"
    if isinstance(obj, Country):
        return "country"
    if isinstance(obj, Region):
        return "admin1" if obj.admin1code else "region"
    return None


# ---------------------------------------------------------------------------------------------- coordinates


@dataclass(frozen=True)
class Unresolved:
    """A place name the gazetteer does not know, with the country its context gives (or None)."""

    country_iso3: str | None


@dataclass(frozen=True)
class Point:
    """A place given only by its coordinates, with no gazetteer place near it."""

    place_id: str
    name: str
    lat: float
    lon: float


_DEG = r"\d{1,3}(?:\.\d+)?\s?°"
_MIN = r"(?:\s?\d{1,2}(?:\.\d+)?\s?[′'’])"
_SEC = r"(?:\s?\d{1,2}(?:\.\d+)?\s?(?:″|''|\"|”))"
_COORD_RE = re.compile(rf"(?<![\w.°′″])(?P<lat>{_DEG}{_MIN}?{_SEC}?)\s?(?P<ns>[NS])[ \u00a0,]{{1,3}}"
                       rf"(?P<lon>{_DEG}{_MIN}?{_SEC}?)\s?(?P<ew>[EW])(?!\w)")
# a bare "lat; lon" pair in decimal degrees, only right after another coordinate and a slash (the Wikipedia
# "Coordinates: 59°10′25″N 18°10′05″E / 59.173616°N 18.167988°E / 59.173616; 18.167988" line)
_COORD_PAIR_RE = re.compile(r"[ \u00a0]*/[ \u00a0]*(?P<lat>-?\d{1,2}\.\d+)[ \u00a0]*[;,][ \u00a0]*(?P<lon>-?\d{1,3}\.\d+)"
                            r"(?!\d|\.\d)")
_COORD_SEP_RE = re.compile(r"[ \u00a0]*/[ \u00a0]*")


def _degrees(part: str) -> float:
    nums = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", part)]
    return sum(v / 60 ** i for i, v in enumerate(nums[:3]))


def coordinate_spans(text: str) -> list[tuple[int, int, float, float]]:
    """(start, end, lat, lon) of geographic coordinates written in text: degrees with minutes and seconds or in
    decimals with a hemisphere letter ("35°01′57″N 43°38′47″E", "35.0325°N 43.6463889°E"), and a bare decimal
    "lat; lon" pair that follows one of those after a slash. Out-of-range values are not coordinates."""
    out: list[tuple[int, int, float, float]] = []
    for m in _COORD_RE.finditer(text):
        lat = _degrees(m.group("lat")) * (-1 if m.group("ns") == "S" else 1)
        lon = _degrees(m.group("lon")) * (-1 if m.group("ew") == "W" else 1)
        if abs(lat) <= 90 and abs(lon) <= 180:
            out.append((m.start(), m.end(), lat, lon))
    chained = []
    for _a, b, _lat, _lon in out:
        pos = b
        while True:
            nxt = _COORD_SEP_RE.match(text, pos)
            if nxt and _COORD_RE.match(text, nxt.end()):
                pos = _COORD_RE.match(text, nxt.end()).end()
                continue
            pair = _COORD_PAIR_RE.match(text, pos)
            if pair:
                lat, lon = float(pair.group("lat")), float(pair.group("lon"))
                if abs(lat) <= 90 and abs(lon) <= 180:
                    chained.append((pair.start("lat"), pair.end("lon"), lat, lon))
            break
    return sorted(set(out + chained))


def coordinate_place(gaz: "Gazetteer", lat: float, lon: float) -> tuple[str, object]:
    """The place of a coordinate mention: the nearest gazetteer place within COORD_MAX_KM, else a point."""
    city = gaz.nearest(lat, lon)
    if city is not None:
        return f"gn_{city.gid}", city
    name = f"{abs(lat):.4f}°{'S' if lat < 0 else 'N'} {abs(lon):.4f}°{'W' if lon < 0 else 'E'}"
    pid = "unres_coord_" + slug(f"{lat:.4f}_{lon:.4f}".replace("-", "m"))
    return pid, Point(pid, name, round(lat, 6), round(lon, 6))
