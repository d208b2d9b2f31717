"""Every lexicon file loads through the one loader and fits its schema; the rule tables name real rules."""

import pytest

from pipeline import lexicons
from pipeline.extract.attribution import LISTS, speech_verbs
from pipeline.extract.events.extractor import _ArticleExtractor
from pipeline.extract.events.lexicon import ARGUMENT_ROLES, load_event_lexicon


def test_every_lexicon_file_has_a_schema_and_loads():
    names = lexicons.files()
    assert "actors.yaml" in names and "event_crosswalk.csv" in names
    assert set(names) == set(lexicons.SCHEMAS), "a lexicon file without a schema, or a schema without its file"
    for name in names:
        data = lexicons.load(name)
        lexicons.check(name, data)  # raises on a mismatch
        assert data, name


def test_load_returns_a_copy():
    a = lexicons.load("numbers.yaml")
    a["ones"].clear()
    assert lexicons.load("numbers.yaml")["ones"], "a caller's change leaked into the cache"


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("countries"), "missing keys ['countries']"),
    (lambda d: d.update(extra=[]), "unknown keys ['extra']"),
    (lambda d: d.update(countries=["x"]), "countries must be a dict"),
])
def test_check_names_what_is_wrong(change, message):
    data = lexicons.load("nationalities.yaml")
    change(data)
    with pytest.raises(lexicons.LexiconError, match=message.replace("[", r"\[").replace("]", r"\]")):
        lexicons.check("nationalities.yaml", data)


def test_check_rejects_a_boolean_read_from_yaml():
    data = lexicons.load("recase.yaml")
    data["min_letters"] = True  # YAML 1.1 reads an unquoted yes/no/on/off as a boolean
    with pytest.raises(lexicons.LexiconError, match="min_letters must be a int"):
        lexicons.check("recase.yaml", data)


def test_every_argument_rule_has_its_method():
    rules = load_event_lexicon().argument_rules
    assert set(rules) == set(ARGUMENT_ROLES)
    for role, names in rules.items():
        kind, slot = role.split(".")
        assert names, role
        for name in names:
            assert callable(getattr(_ArticleExtractor, f"_{kind}_{slot}_{name}", None)), f"{role}: no rule {name!r}"


def test_speech_verb_lists():
    lists = speech_verbs()
    assert tuple(lists) == LISTS
    assert "say" in lists["reporting_clause"] and "according" in lists["attribution_preps"]
    assert "said" in lists["number_source"]  # word forms, as written
