"""Capitals back for the NLP of articles written all in lower case.

Some feeds deliver whole articles in lower case ("lucknow: the all-india babri masjid action committee has
sought a ban on the march 15 programme in ayodhya"). spaCy's English model and the name finders lean on capital
letters: in such a text no place is found, no named person or organisation, and "march 15" is not a date (so
"15" becomes a figure). `recase_for_nlp` gives the extractors a copy of the text with the capitals a newspaper
would print, *of exactly the same length*, so that every character offset found in the copy is an offset into
the original; `restore_text` then puts the original words back into the quotes of the records, so the published
spans are still `article.text[char_start:char_end]`.

Only an article whose letters are almost all lower case is touched (`is_lowercase_text`); capitals come back
only where the reading is safe:
- the first letter of a sentence and of a line, and the pronoun "i";
- weekday names; month names next to a number ("march 15", "15 march", "march 2002") — "may" and "march"
  alone are words;
- countries, nationality words, first-level regions and cities of the gazetteer with at least
  `min_city_population` people (recase.yaml), unless the word is a common English word there
  (`common_words`, and the English function words of stopwords.yaml);
- registry names and aliases ("taliban" -> "Taliban", "narendra modi", "bjp" -> "BJP"), in the alias's own
  casing, when they have two or more words or four or more letters (three for an all-capital abbreviation) and
  are not common words.
A character whose upper case is more than one character ("ß") is left as it is, so lengths never change.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from pipeline.extract.types import Article, ArticleExtraction
from pipeline.lexicons import load as load_lexicon

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+", re.UNICODE)
_SENTENCE_START_RE = re.compile(r"(?:\A|[.!?]['\"”’)\]]*\s+|\n\s*)([^\W\d_])", re.UNICODE)


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict:
    data = load_lexicon("recase.yaml")
    stop = load_lexicon("stopwords.yaml")
    dates = load_lexicon("dates.yaml")
    common = {str(w).lower() for w in data.get("common_words") or ()}
    function = {str(w).lower() for w in (stop.get("stopwords") or {}).get("en", ())}
    common |= function
    from pipeline.extract.places import load_places_lexicon

    common |= {str(w).lower() for w in load_places_lexicon().get("stop_names") or ()}
    return {
        "common": frozenset(common),
        "function": frozenset(function - {"new"}),
        "min_pop": int(data.get("min_city_population", 100_000)),
        "max_upper_share": float(data.get("max_upper_share", 0.005)),
        "min_letters": int(data.get("min_letters", 200)),
        "months": frozenset(str(m).lower() for m in (dates.get("months") or {})),
        "month_words": frozenset(str(w).lower() for w in data.get("month_words_need_number") or ()),
        "weekdays": frozenset(str(w).lower() for w in dates.get("weekday_text_forms") or ()),
        "max_words": int(data.get("max_name_words", 4)),
        "context_pop": int(data.get("min_city_population_in_place_context", 5_000)),
        "place_preps": frozenset(str(w).lower() for w in data.get("place_prepositions") or ()),
    }


@functools.lru_cache(maxsize=1)
def _registry_forms() -> dict[str, str]:
    """lower-case form -> registry casing, for multi-word aliases and all-capital abbreviations."""
    from pipeline.extract.actors import load_registry

    lex = _lexicon()
    out: dict[str, str] = {}
    for info in load_registry().actors.values():
        for alias in (info.name, *info.aliases):
            low = alias.lower()
            if alias == low or len(low) != len(alias) or low in lex["common"]:
                continue
            words = alias.split()
            letters = sum(c.isalpha() for c in alias)
            if len(words) >= 2 or letters >= 4 or (alias.isupper() and letters >= 3):
                out.setdefault(low, alias)
    return out


def is_lowercase_text(text: str) -> bool:
    """True for a text of at least `min_letters` letters almost none of which are capitals."""
    lex = _lexicon()
    letters = upper = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            upper += ch.isupper()
    return letters >= lex["min_letters"] and upper <= lex["max_upper_share"] * letters


def _capitalise(chars: list[str], start: int, end: int, form: str | None = None,
                keep: frozenset[str] = frozenset()) -> None:
    """Give chars[start:end] the casing of `form` (same length), else capitalise each word's first letter except
    for the words in `keep` after the first ("Bosnia and Herzegovina")."""
    if form is not None:
        for i, ch in enumerate(form):
            if len(ch) == 1 and chars[start + i].lower() == ch.lower():
                chars[start + i] = ch
        return
    for m in re.finditer(r"[^\W\d_]+", "".join(chars[start:end])):
        if m.start() > 0 and m.group(0).lower() in keep:
            continue
        k = start + m.start()
        if len(chars[k].upper()) == 1:
            chars[k] = chars[k].upper()


def _place_form(gaz, key: str, n_words: int, min_pop: int, in_place_context: bool, context_pop: int) -> bool:
    """A country or first-level region anywhere; a city of at least `min_pop` people anywhere, or of at least
    `context_pop` where the words around it say it is a place (`in_place_context`). One word must be the city's
    own name ("Part" is an old name of Perth); several words may be another of its names ("new york" for New
    York City). `key` is the phrase's level-0 key (places.fold)."""
    if gaz.country_by_name(key) is not None or gaz.regions_named(key):
        return True
    found = gaz.level0_populations(context_pop).get(key)
    if found is None:
        return False
    pop = found[0] if n_words == 1 else found[1]
    return pop >= (context_pop if in_place_context else min_pop)


def _place_context(text: str, words, lowers, i: int, n: int, last_place: int, lex: dict) -> bool:
    """Whether the words around words[i:i+n] say they name a place: after a locative preposition ("in x",
    "near x"), a dateline (a name at the start of a line followed by ":" or ","), or listed right after a place
    ("in x, y and z")."""
    if i > 0 and lowers[i - 1] in lex["place_preps"] and "\n" not in text[words[i - 1][1]:words[i][0]]:
        return True
    start, end = words[i][0], words[i + n - 1][1]
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip() and text[end:end + 1] in (":", ","):
        return True
    if last_place >= 0 and i - last_place <= 1:
        gap = text[words[last_place - 1][1]:start] if last_place > 0 else ""
        return bool(re.fullmatch(r"\s*(?:,|,?\s*and|,?\s*or)\s*", gap))
    return False


def recase_for_nlp(text: str) -> str:
    """`text` with capitals restored where safe (see the module docstring), or `text` itself when it is not an
    all-lower-case article. The result always has the same length as `text`."""
    if not is_lowercase_text(text):
        return text
    from pipeline.extract.places import fold, load_gazetteer

    lex = _lexicon()
    gaz = load_gazetteer()
    forms = _registry_forms()
    demonyms = {k.lower(): k for k in gaz.demonym_iso3}
    chars = list(text)
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD_RE.finditer(text)]
    lowers = [w.lower() for _, _, w in words]
    i = 0
    last_place = -1  # index of the word after the last place recased (for "in x, y and z")
    while i < len(words):
        done = False
        for n in range(min(lex["max_words"], len(words) - i), 0, -1):
            start, end = words[i][0], words[i + n - 1][1]
            if "\n" in text[start:end]:
                continue
            phrase = text[start:end]
            low = phrase.lower()
            if n == 1 and low.isdigit():
                break
            if n > 1 and (lowers[i] in lex["function"] or lowers[i + n - 1] in lex["common"]
                          or not lowers[i + n - 1].isalpha()):
                continue  # a name neither starts with a function word nor ends with a common word
            if low in forms and len(forms[low]) == len(phrase):
                _capitalise(chars, start, end, forms[low])
            elif n == 1 and low in demonyms and len(demonyms[low]) == len(phrase):
                _capitalise(chars, start, end, demonyms[low])
            elif n == 1 and low in lex["weekdays"]:
                _capitalise(chars, start, end)
            elif n == 1 and low in lex["months"]:
                near = [lowers[j] for j in (i - 1, i + 1) if 0 <= j < len(words)]
                if low in lex["month_words"] and not any(w.isdigit() for w in near):
                    break
                _capitalise(chars, start, end)
            elif n == 1 and low in lex["common"]:
                break
            elif not (all if n > 1 else any)(w in lex["common"] for w in lowers[i:i + n]) and _place_form(
                    gaz, fold(low), n, lex["min_pop"], _place_context(text, words, lowers, i, n, last_place, lex),
                    lex["context_pop"]):
                _capitalise(chars, start, end, keep=lex["function"])
                last_place = i + n
            else:
                continue
            i += n
            done = True
            break
        if not done:
            i += 1
    for m in _SENTENCE_START_RE.finditer(text):
        k = m.start(1)
        if len(chars[k].upper()) == 1:
            chars[k] = chars[k].upper()
    for m in re.finditer(r"(?<![^\W\d_])i(?![^\W\d_])", text):
        if text[m.start() - 1:m.start()] != "'" and text[m.end():m.end() + 1] != ".":
            chars[m.start()] = "I"
    out = "".join(chars)
    assert len(out) == len(text)
    return out


def _original(text: str, work: str, piece: str, near: int) -> str:
    """The original words of `piece`, a string cut from `work` at or before offset `near`."""
    at = work.rfind(piece, 0, near + len(piece))
    if at < 0:
        at = work.find(piece)
    return text[at:at + len(piece)] if at >= 0 else piece


def restore_text(result: ArticleExtraction, article: Article) -> ArticleExtraction:
    """`result`, extracted from a recased copy of `article`, with the original article and its words put back into
    every quote and sentence (the offsets are the same: recasing keeps the length)."""
    text, work = article.text, result.article.text
    if text == work:
        return result

    def fix(rec):
        changes = {"quote": text[rec.char_start:rec.char_end]}
        if hasattr(rec, "sentence"):
            changes["sentence"] = _original(text, work, rec.sentence, rec.char_start)
        if getattr(rec, "reporter_text", None):
            changes["reporter_text"] = _original(text, work, rec.reporter_text, rec.char_start)
        return dataclasses.replace(rec, **changes)

    return dataclasses.replace(
        result,
        article=article,
        actor_mentions=[fix(m) for m in result.actor_mentions],
        place_mentions=[fix(m) for m in result.place_mentions],
        date_mentions=[fix(m) for m in result.date_mentions],
        figures=[fix(f) for f in result.figures],
        events=[fix(e) for e in result.events],
    )
