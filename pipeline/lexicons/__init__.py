"""The lexicon files: one loader, one cache, one schema check per file.

`load(name)` reads a file of this folder once (YAML, or CSV as a list of rows), checks it against its entry in
SCHEMAS (every key present with its type, no other key), and returns a fresh copy, so a caller may change what
it gets. Each extractor compiles what it needs from it (and caches that itself).
"""

from __future__ import annotations

import copy
import csv
import functools
from pathlib import Path
from typing import Any

import yaml

LEXICON_DIR = Path(__file__).resolve().parent

_TYPES = {"list": list, "dict": dict, "int": int, "number": (int, float), "str": str}


def _keys(types: str) -> dict[str, str]:
    """A schema from "key:type key:type ..." (type names of _TYPES)."""
    out = {}
    for item in types.split():
        key, _, kind = item.partition(":")
        out[key] = kind
    return out


SCHEMAS: dict[str, dict[str, str] | list[str]] = {
    "actor_cues.yaml": _keys(
        "force_nouns:list leader_force_nouns:list government_nouns:list civilian_nouns:list rebel_nouns:list "
        "focus_cues:dict actor_object_verbs:list actor_passive_verbs:list actor_possessed_nouns:list "
        "actor_prepositions:list target_prepositions:list place_event_types:list motion_verbs:list "
        "geographic_nouns:list role_nouns:list titles:list org_type_keywords:dict person_titles:list "
        "not_person_names:list surname_prefixes:list generic_actors:list group_nouns:list militant_adjectives:list "
        "pronouns:dict anaphora_max_sentences:int org_head_nouns:list state_office_nouns:list title_anaphors:list "
        "people_nouns:list"),
    "actors.yaml": _keys("states:list actors:list"),
    "dates.yaml": _keys(
        "months:dict weekdays:dict weekday_text_forms:list day_parts:list counts:dict vague_counts:dict units:dict "
        "future_markers:list not_year_before:list publication_line_labels:list publication_line_reach:int"),
    "event_arguments.yaml": {"verb.actor2": "list", "noun.actor1": "list"},
    "event_context.yaml": _keys(
        "negation:list hypothetical_modals:list future_modals:list conditional_marks:list future_governors:list "
        "hypothetical_governors:list accusable_types:list non_accusing_actor_types:list same_side_actor_types:list "
        "accusation_confidence:number means_preps:list dateline_separators:list settlement_nouns:list "
        "light_verbs:list engaging_verbs:list undergoer_light_verbs:list undergoer_preps:dict doer_preps:list "
        "object_control_preps:list cause_preps:list responsibility_nouns:list responsibility_verbs:list "
        "statement_types:list compound_heads_ok:list agentive_heads:list object_preps:list assoc_preps:list "
        "symmetric_types:list relative_pronouns:list pronouns:dict negating_governors:list quantity_heads:list "
        "directional_preps:list plural_anaphors:list irregular_forms:dict opposing_prefixes:list result_modes:list "
        "noun_restating_preps:list occurrence_verbs:list demonstratives:list"),
    "event_crosswalk.csv": ["event_type", "mode", "cameo_root", "cameo_root_label", "acled_event_type",
                            "acled_sub_event_type", "penta_class", "notes"],
    "event_verbs.yaml": _keys("type_groups:dict defaults:dict verbs:dict nouns:dict adjectives:dict"),
    "figure_terms.yaml": _keys(
        "categories:dict category_priority:list dwelling_categories:list units:dict people_units:list "
        "object_reporting_verbs:list number_objects:list source_wrappers:list pronoun_subjects:list "
        "hypothetical_markers:list destination_prepositions:list place_prepositions:list"),
    "nationalities.yaml": _keys("countries:dict"),
    "numbers.yaml": _keys(
        "ones:dict tens:dict scales:dict scale_suffixes:dict fixed:dict vague:dict vague_need_of:list "
        "qualifiers:dict measure_units:list not_count_before:list street_suffixes:list address_after:list anaphoric_before:list"),
    "places.yaml": _keys(
        "country_variants:dict stop_names:list codename_markers:list focus_doer_nouns:list held_words:list "
        "facility_heads:list region_keywords:dict admin1_types:dict admin1:dict regions:list directions:dict "
        "border_nouns:list territory_nouns:list anaphora:dict site_max_sentences:int site_nouns:list"),
    "recase.yaml": _keys(
        "min_letters:int max_upper_share:number min_city_population:int min_city_population_in_place_context:int "
        "place_prepositions:list max_name_words:int month_words_need_number:list common_words:list"),
    "speech_verbs.yaml": _keys(
        "reporting_clause:list claim:list accusing:list attribution_preps:list quote_speaker:list "
        "number_source:list"),
    "stopwords.yaml": _keys("scripts:dict han_with_kana:str stopwords:dict"),
}


class LexiconError(ValueError):
    pass


def check(name: str, data: Any) -> None:
    """Raise LexiconError unless `data` (the parsed file `name`) fits its schema."""
    schema = SCHEMAS.get(name)
    if schema is None:
        raise LexiconError(f"{name}: not a lexicon file of {LEXICON_DIR} (no schema in pipeline/lexicons/__init__.py)")
    if isinstance(schema, list):  # a CSV: its header
        header = list(data[0]) if data else []
        if header != schema:
            raise LexiconError(f"{name}: expected the columns {schema}, got {header}")
        return
    if not isinstance(data, dict):
        raise LexiconError(f"{name}: expected a mapping at the top, got {type(data).__name__}")
    missing, unknown = sorted(set(schema) - set(data)), sorted(set(data) - set(schema))
    if missing or unknown:
        raise LexiconError(f"{name}: missing keys {missing}, unknown keys {unknown}")
    for key, kind in schema.items():
        value = data[key]
        if not isinstance(value, _TYPES[kind]) or isinstance(value, bool):
            raise LexiconError(f"{name}: {key} must be a {kind}, got {type(value).__name__} {value!r:.60}")


@functools.lru_cache(maxsize=None)
def _read(name: str) -> Any:
    path = LEXICON_DIR / name
    if name.endswith(".csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            data: Any = [dict(row) for row in csv.DictReader(fh)]
    else:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    check(name, data)
    return data


def load(name: str) -> Any:
    """The checked content of lexicon file `name` ("actors.yaml", "event_crosswalk.csv"), a copy of the cache."""
    return copy.deepcopy(_read(name))


def files() -> list[str]:
    """The lexicon files of this folder (everything but Python)."""
    return sorted(p.name for p in LEXICON_DIR.iterdir() if p.is_file() and p.suffix in (".yaml", ".csv"))
