"""`extract_places`: the place mentions of an article, resolved against the gazetteer."""

from __future__ import annotations

import functools
import re
from typing import Sequence

from pipeline.extract.context import ArticleContext
from pipeline.extract.types import ActorMention, PlaceInfo, PlaceMention
from pipeline.extract.places.gazetteer import (
    City,
    Country,
    Gazetteer,
    load_gazetteer,
    load_places_lexicon,
    Region,
    WELL_KNOWN_POPULATION,
)
from pipeline.extract.places.names import fold
from pipeline.extract.places.parts import (
    _ANAPHORA_MAX_CHARS,
    _anaphora_re,
    coordinate_place,
    coordinate_spans,
    _country_parts,
    focus_countries,
    focus_set,
    _has_propn,
    _MAX_WORDS,
    _modifies_noun,
    _ner_spans,
    _overlaps,
    _PLACE_LABELS,
    Point,
    _precision_of,
    _rank,
    _Seq,
    _sequences,
    Unresolved,
)
from pipeline.ids import short_hash, slug


# ---------------------------------------------------------------------------------------------- extraction


class _Taken:
    """The place spans taken so far in one article, what they resolve to, and the spans that are not free."""

    def __init__(self, blocked: list[tuple[int, int]]):
        self.blocked = blocked
        self.claimed: list[tuple[int, int]] = []
        self.found: list[tuple[int, int, str]] = []  # (start, end, place_id)
        self.infos: dict[str, object] = {}  # place_id -> Region | Country | City | None (unresolved)
        # mentions that are not names of their place (coordinates, "the town", "the library"): no alias
        self.anaphoric: set[tuple[int, int]] = set()

    def take(self, start: int, end: int, pid: str, obj: object) -> None:
        self.found.append((start, end, pid))
        self.claimed.append((start, end))
        self.infos.setdefault(pid, obj)

    def free(self, start: int, end: int) -> bool:
        return not _overlaps(start, end, self.blocked) and not _overlaps(start, end, self.claimed)


def extract_places(
    ctx: ArticleContext,
    gazetteer: Gazetteer | None = None,
    actor_mentions: Sequence[ActorMention] = (),
) -> tuple[list[PlaceMention], dict[str, PlaceInfo]]:
    """Place mentions of one article and the places they resolve to (see the module docstring for the rules)."""
    gaz = gazetteer or load_gazetteer()
    text = ctx.text
    if not text:
        return [], {}
    ranked = focus_countries(ctx, gaz)
    focus3 = focus_set(ranked)
    focus2 = [gaz.iso2_by_iso3[i] for i in focus3 if i in gaz.iso2_by_iso3]

    lex = load_places_lexicon()
    facility_re = _facility_re()
    facilities = [(m.char_start, m.char_end) for m in actor_mentions if facility_re.search(m.quote)]
    st = _Taken([(m.char_start, m.char_end) for m in actor_mentions])
    persons = [(s, e) for s, e, _ in _ner_spans(ctx, frozenset({"PERSON"}))]
    seqs = _sequences(text)
    st.blocked.extend(_codename_spans(text, seqs))
    _named_places(ctx, gaz, st, seqs, focus3, persons)

    # 3. cities (and bare region names) from capitalised sequences
    ner_place = [(s, e) for s, e, _ in _ner_spans(ctx, _PLACE_LABELS)]
    # a word inside a longer person name ("Richard Tex Coe") is not a place, even when a village has that name;
    # a one-word PERSON span may be spaCy's mistake for a town ("Raqqah"), so it is not excluded here
    long_persons = [(s0, e0) for s0, e0 in persons if " " in text[s0:e0].strip()]

    def free_of_persons(start: int, end: int) -> bool:
        return st.free(start, end) and not any(s0 <= start and end <= e0 and (s0, e0) != (start, end)
                                               for s0, e0 in long_persons)

    for seq in seqs:
        _resolve_sequence(ctx, gaz, seq, focus2, focus3, ner_place, free_of_persons, st.take)
    _listed_places(ctx, gaz, st, seqs, lex, focus2, focus3, ner_place, free_of_persons)
    _unresolved_ner(ctx, gaz, st)

    # 4b. one sense per article: another occurrence of a name taken above is the same place
    _same_name_occurrences(ctx, st.found, st.anaphoric, long_persons, st.free, st.take, st.infos)
    _facility_places(ctx, gaz, st, facilities, focus2, int(lex.get("site_max_sentences") or 3))
    _nominal_places(ctx, st, lex, int(lex.get("site_max_sentences") or 3))
    return _mentions_and_places(ctx, gaz, st)


def _named_places(ctx: ArticleContext, gaz: Gazetteer, st: _Taken, seqs: Sequence[_Seq], focus3,
                  persons: Sequence[tuple[int, int]]) -> None:
    """Steps 0-2: coordinates, regions named with a region keyword, parts of countries, countries."""
    text = ctx.text
    # 0. geographic coordinates -> the nearest gazetteer place, else a point
    for a, b, lat, lon in coordinate_spans(text):
        if st.free(a, b):
            pid_, obj_ = coordinate_place(gaz, lat, lon)
            st.take(a, b, pid_, obj_)
            st.anaphoric.add((a, b))

    # 1. regions named with a region keyword
    after_re = re.compile(r"\s+(?:" + "|".join(map(re.escape, gaz.region_after)) + r")\b", re.I)
    before_re = re.compile(r"\b(?:" + "|".join(map(re.escape, gaz.region_before)) + r")\s+of\s+$", re.I)
    for seq in seqs:
        for a, b in _subspans(seq):
            if not st.free(a, b):
                continue
            regions = gaz.regions_named(text[a:b])
            if not regions:
                continue
            region = _pick_region(regions, focus3)
            m_after = after_re.match(text, b)
            m_before = before_re.search(text, max(0, a - 40), a)
            if m_after:
                st.take(a, m_after.end(), region.region_id, region)
            elif m_before:
                st.take(m_before.start(), b, region.region_id, region)

    # 1b. parts of countries: "northern Syria", "Syria's northwest", "the Turkish border", "Syrian territory"
    for a, b, pid, obj in _country_parts(text, gaz):
        if st.free(a, b) and not _overlaps(a, b, persons):
            st.take(a, b, pid, obj)

    # 2. countries
    for m in gaz.country_re.finditer(text):
        a, b = m.span()
        if not st.free(a, b) or _overlaps(a, b, persons):
            continue
        country = gaz.country_by_name(m.group(0))
        if country:
            st.take(a, b, f"iso_{country.iso3}", country)


def _listed_places(ctx: ArticleContext, gaz: Gazetteer, st: _Taken, seqs: Sequence[_Seq], lex: dict, focus2,
                   focus3, ner_place, free_of_persons) -> None:
    """Step 3b: names the gazetteer does not resolve, in a context that makes them places: "rebel-held <Name>",
    and a name listed with a place ("Husaybah and <Name>", "Qamenas, Sarmin and <Name>")."""
    text = ctx.text
    for seq in _context_place_sequences(text, seqs, st.found, lex):
        a, b = seq.start, seq.end
        if not free_of_persons(a, b) or _modifies_noun(ctx, a, b):
            continue
        name = text[a:b]
        folded = fold(name)
        if (len(folded.replace(" ", "")) < 3 or any(w in gaz.stop_names for w in folded.split())
                or name in gaz.demonym_iso3 or gaz.country_by_name(name) is not None
                or not (_has_propn(ctx, a, b) or _overlaps(a, b, ner_place))):
            continue
        neighbours = {st.infos[p].cc for s0, e0, p in st.found if isinstance(st.infos.get(p), City)
                      and ctx.sentence_index_at(s0) == ctx.sentence_index_at(a)}
        near = [c for c in gaz.lookup(name) if c.level <= 1 and (c.cc in neighbours or c.cc in focus2)]
        if near:
            best = _rank(near, focus2)
            st.take(a, b, f"gn_{best.gid}", best)
        else:
            # not in the gazetteer: its country is that of the places of its sentence when they agree, else
            # (none in the sentence) the article's first focus country
            iso3s = {gaz.iso3_of(cc) for cc in neighbours}
            iso3 = next(iter(iso3s)) if len(iso3s) == 1 else (focus3[0] if not iso3s and focus3 else None)
            st.take(a, b, f"unres_{slug(name)}", Unresolved(iso3))


def _unresolved_ner(ctx: ArticleContext, gaz: Gazetteer, st: _Taken) -> None:
    """Step 4: unresolved place-like NER spans."""
    text = ctx.text
    for s, e, _label in _ner_spans(ctx, _PLACE_LABELS):
        if not st.free(s, e):
            continue
        quote = text[s:e]
        if not any(ch.isupper() for ch in quote) or fold(quote) in gaz.stop_names:
            continue
        if quote in gaz.demonym_iso3 or gaz.country_by_name(quote) is not None:
            continue
        sl = slug(quote)
        if sl == "x" and fold(quote) != "x":  # nothing Latin to slug: keep distinct names distinct
            sl = "x_" + short_hash("place", quote, length=10)
        st.take(s, e, f"unres_{sl}", None)


def _facility_places(ctx: ArticleContext, gaz: Gazetteer, st: _Taken, facilities: Sequence[tuple[int, int]],
                     focus2, site_max: int) -> None:
    """Step 4c: names of buildings and compounds that are also organisations ("Mosul University", "the
    Brandbergen Mosque"): a place mention too, unless a place named inside them was taken."""
    text = ctx.text
    for a, b in facilities:
        if _overlaps(a, b, st.claimed):
            continue
        inner = _inner_place(gaz, text, a, b, focus2)
        if inner is not None:
            st.take(a, b, f"gn_{inner.gid}", inner)
            st.anaphoric.add((a, b))
            continue
        pid = _site_referent(ctx, sorted(st.found), a, b, site_max)
        if pid is not None:
            st.take(a, b, pid, st.infos[pid])
            st.anaphoric.add((a, b))
        else:
            st.take(a, b, f"unres_{slug(text[a:b])}", None)


def _nominal_places(ctx: ArticleContext, st: _Taken, lex: dict, site_max: int) -> None:
    """Steps 5-6: nominal references and sites named by a common noun."""
    text = ctx.text
    # 5. nominal references: "the town" -> the nearest earlier place of that precision (the noun is the quote)
    wanted = load_places_lexicon().get("anaphora") or {}
    named = sorted(st.found)
    for m in _anaphora_re().finditer(text):
        a, b = m.span("noun")
        if not st.free(a, b):
            continue
        accept = set(wanted.get(m.group("noun").lower(), ()))
        prior = [(s0, pid) for s0, e0, pid in named if e0 <= a and a - s0 <= _ANAPHORA_MAX_CHARS
                 and _precision_of(st.infos.get(pid)) in accept]
        if prior:
            st.take(a, b, prior[-1][1], st.infos[prior[-1][1]])
            st.anaphoric.add((a, b))

    # 6. sites and areas named by a common noun ("the library", "the front line", "the area") and the adverb
    #    "there" -> the place they lie in: the nearest place of the same sentence, else the last one before
    #    A definite phrase ("the library", "the front line") with no place that near is the site of the same head
    #    noun met earlier in the article, resolved as that one was.
    resolved_heads: dict[str, str] = {}
    for a, head, b in _site_spans(ctx, lex):
        if not st.free(a, b):
            a = head  # "ISIL targets": the actor is not part of the place phrase
            if not st.free(a, b):
                continue
        head_key = text[head:b].lower()
        pid = _site_referent(ctx, sorted(st.found), a, b, site_max)
        if pid is None and _DEFINITE_BEFORE.search(text, max(0, a - 8), a):
            pid = resolved_heads.get(head_key)
        if pid is not None:
            st.take(a, b, pid, st.infos[pid])
            st.anaphoric.add((a, b))
            resolved_heads[head_key] = pid


def _mentions_and_places(ctx: ArticleContext, gaz: Gazetteer,
                         st: _Taken) -> tuple[list[PlaceMention], dict[str, PlaceInfo]]:
    """The mention records in text order and the place records with their aliases."""
    text = ctx.text
    art = ctx.article.article_id
    mentions = []
    aliases: dict[str, set[str]] = {}
    for s, e, pid in sorted(st.found):
        quote = text[s:e]
        mentions.append(PlaceMention(art, s, e, quote, pid, ctx.sentence_index_at(s)))
        if (s, e) not in st.anaphoric:  # "the town" is not a name of the town
            aliases.setdefault(pid, set()).add(re.sub(r"\s+", " ", quote))
        else:
            aliases.setdefault(pid, set())
    places: dict[str, PlaceInfo] = {}
    for pid in sorted(aliases):
        obj = st.infos[pid]
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
