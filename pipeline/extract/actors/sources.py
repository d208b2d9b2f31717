"""Named actor mentions, by source: the registry, bylines, nationalities, country metonyms, NER, titles."""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.extract.actors.common import _Cand, _event_types, _norm, _overlap_any, _span_text, _strip_span
from pipeline.extract.places import LEAD_PREP, fold
from pipeline.extract.types import ActorInfo
from pipeline.ids import discovered_actor_id



# "<Name> [in|from <Place>] contributed (reporting|to this report)" at the start of a line
_BYLINE_RE = re.compile(
    r"(?m)^[ \t]*(?P<name>[A-Z][\w'’.-]+(?:[ \t]+[A-Z][\w'’.-]+){1,3})(?:[ \t]+(?:in|from)[ \t]+[A-Z][^\n]{0,60}?)?"
    r"[ \t]+contributed[ \t]+(?:reporting|to[ \t]+this[ \t]+(?:report|article|story))")


_STATE_SUFFIXES = ("_gov", "_military", "_mod", "_mfa", "_civilians", "_rebels")


_WORD_START = re.compile(r"(?<![\w\-‐‑])(?<!\w['’])\w")  # not inside a word, a hyphenation or "Assad's"


_ODD_CASE_RE = re.compile(r"(?<![\w\-‐‑])[a-z]+[A-Z]\w*")  # "iSrael"


_TITLE_BEFORE_LOWER_RE = re.compile(r"(?<![\w.])([A-Z][\w.]*)[ \u00a0]+(?=[a-z])")  # "President obama"


# compiled patterns of `_Extraction._coordination_patterns`, by (registry, gazetteer) identity
_COORD_CACHE: dict[tuple[int, int], tuple[re.Pattern[str], dict[str, dict]]] = {}


class Sources:
    """Named actors: registry names, bylines, nationalities, metonyms, NER names, titled persons (a mixin of the extraction)."""

    def span(self, start: int, end: int):
        return self.ctx.doc.char_span(start, end, alignment_mode="expand")

    def focus_actor(self, role: str) -> str | None:
        for iso3 in self.focus_ranked:
            aid = self.reg.focus_roles.get(iso3, {}).get(role)
            if aid:
                return aid
        return None

    def discover(self, name: str, typ: str, country: str | None = None, parent: str | None = None) -> str:
        key = fold(name)
        aid = discovered_actor_id(key)
        if aid not in self.discovered:
            self.discovered[aid] = ActorInfo(aid, name, typ, country, parent, (), None, False)
        else:
            old = self.discovered[aid]
            if (parent and not old.parent_actor_id) or len(name) > len(old.name):
                self.discovered[aid] = replace(old, name=max(old.name, name, key=len),
                                               parent_actor_id=old.parent_actor_id or parent)
        return aid

    def is_actor_use(self, start: int, end: int) -> bool:
        span = self.span(start, end)
        if span is None or len(span) == 0:
            return False
        reg = self.reg
        geo = reg.words("geographic_nouns")
        root = span.root
        tok = root
        for _ in range(6):
            if tok.dep_ == "conj" and tok.head is not tok:
                tok = tok.head
            elif tok.dep_ == "appos" and tok.ent_type_ == "GPE" and tok.head.ent_type_ == "GPE":
                tok = tok.head  # a list of countries parsed as apposition: "The US, Russia, and Switzerland met"
            else:
                break
        for t in {root, tok}:
            for ch in t.children:
                if ch.dep_ == "relcl" and any(
                    c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("which", "who", "that") for c in ch.children
                ):
                    return True
        dep = tok.dep_
        head = tok.head
        if dep == "nsubj":
            return True
        if dep == "nsubjpass":
            return head.lower_ in reg.verbs("actor_passive_verbs")
        if dep == "poss":
            return head.lower_ in reg.words("actor_possessed_nouns") and head.lower_ not in geo
        # a country after an event trigger: the first conjunct must be a country too, on the same line
        country_arg = (self._is_country_name(start, end) and tok.ent_type_ == "GPE"
                       and "\n" not in self.text[min(head.idx, start):max(head.idx, end)])
        if dep == "dobj":
            return head.lower_ in reg.verbs("actor_object_verbs") or (country_arg and self._directed_trigger(head))
        if dep == "pobj":
            prep = head
            if prep.dep_ == "agent":
                return True
            ph = prep.head
            if prep.lower_ == "of" and ph is not prep and self._is_country_name(start, end) and self._state_head(ph):
                return True  # "the foreign ministers of Russia, Turkey and Iran", "the leaders of Egypt and Jordan"
            if prep.lower_ == "by" and ph.tag_ == "VBN":
                return True
            if prep.lower_ in reg.words("actor_prepositions"):
                if ph.lower_ in geo or ph.lower_ in reg.verbs("motion_verbs"):
                    return False
                return ph is not prep
            if prep.lower_ in ("of", "to", "with") and ph.pos_ == "ADJ":
                return True
            if (prep.lower_ in reg.words("target_prepositions") and ph is not prep and country_arg
                    and self._directed_trigger(ph)):
                return True  # "fired missiles at Russia", "supply arms to Israel", "sanctions on Iran"
        return False

    def _state_head(self, tok) -> bool:
        """Whether a noun names a state's people in office or its forces (actor_cues.yaml `state_office_nouns`,
        `government_nouns`, `force_nouns`; singular or plural): its "of <country>" names the state as an actor."""
        low = tok.lower_
        if not tok.is_alpha:
            return False
        words = self._state_nouns
        return tok.pos_ in ("NOUN", "PROPN") and (low in words or (low.endswith("s") and low[:-1] in words))

    def _of_country_list(self, tok) -> bool:
        """Whether a state noun is followed by "of" and a list of two or more countries ("the foreign ministers
        of Russia, Turkey and Iran"): each country is then an actor of its own (`is_actor_use`), and the noun
        stands for none of them alone."""
        if not self._state_head(tok):
            return False
        for c in tok.rights:
            if c.dep_ == "prep" and c.lower_ == "of" and c.i == tok.i + 1:
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is None:
                    return False
                names = [_span_text(t) for t in (pobj, *pobj.conjuncts)]
                return len(names) >= 2 and all(self.gaz.country_by_name(n) is not None for n in names)
        return False

    def _is_country_name(self, start: int, end: int) -> bool:
        """Whether the text is a country's name (not a capital's)."""
        return self.gaz.country_by_name(self.text[start:end]) is not None

    def _directed_trigger(self, tok) -> bool:
        """Whether `tok` is a word of the event lexicon with a reading that is done to someone (not only one of
        actor_cues.yaml `place_event_types`, where a country after it is where things happen)."""
        if tok.lower_ in self.reg.verbs("motion_verbs"):
            return False
        types = _event_types(tok)
        return bool(types) and not types <= frozenset(self.reg.cues.get("place_event_types") or ())

    def registry_candidates(self) -> list[_Cand]:
        text = self.text
        out: list[_Cand] = []
        # names written in lower case where they are clearly names: right after a capitalised person title
        # ("President obama") or with a capital inside the word ("iSrael"); matched as if capitalised (the
        # quote keeps the text as written)
        person_titles = self.reg.words("person_titles")
        odd_case_at = {m.start() for m in _ODD_CASE_RE.finditer(text)}
        after_title_at = {m.end() for m in _TITLE_BEFORE_LOWER_RE.finditer(text) if m.group(1).lower() in person_titles}
        for wm in _WORD_START.finditer(text):
            pos = wm.start()
            pat = self.reg.patterns.get(text[pos])
            m = pat.match(text, pos) if pat is not None else None
            subject = text
            odd_case, after_title = pos in odd_case_at, pos in after_title_at
            if m is None and (odd_case or after_title):
                pat = self.reg.patterns.get(text[pos].upper())
                subject = text[:pos] + text[pos].upper() + text[pos + 1:]
                m = pat.match(subject, pos) if pat is not None else None
            if not m:
                continue
            if subject is not text:
                kind_, target_ = self.reg.targets.get(_norm(m.group(0)), (None, None))
                if kind_ != "alias" and kind_ != "metonym":
                    continue
                if after_title and not odd_case and not (kind_ == "alias"
                                                         and self.reg.actors[target_].actor_type == "person"):
                    continue  # after a title only a person's name ("President obama")
            key = _norm(m.group(0))
            kind, target = self.reg.targets.get(key, (None, None))
            if kind is None:
                continue
            start, end = _strip_span(text, m.start(), m.end())
            apos = re.search(r"['’][sS]\s+", text[start:end])
            if kind == "alias" and key in self.reg.possessive_person and apos:
                # "Vladimir Putin's government": the person, and the government the phrase's head stands for
                out.append(_Cand(start, start + apos.start(), self.reg.possessive_person[key], 0, "person"))
                out.append(_Cand(start + apos.end(), end, target, 0, "org"))
                continue
            if kind == "alias":
                info = self.reg.actors[target]
                hint = "person" if info.actor_type == "person" else (
                    "nationality" if target.endswith(_STATE_SUFFIXES) and any(
                        text[start:end] == a or text[start:end].startswith(a + " ") or text[start:end] == a + "s"
                        for a in self.reg.adj_iso3) or info.actor_type == "civilians" else "org")
                out.append(_Cand(start, end, target, 0, hint))
            elif kind == "focus":
                span = self.span(start, end)
                if span is not None and span[-1].dep_ in ("amod", "compound", "nmod") and span[-1].head.i > span[-1].i:
                    continue  # "the military campaign": the cue only qualifies a thing
                aid = self.focus_actor(target)
                if aid:
                    out.append(_Cand(start, end, aid, 1, "focus"))
            elif kind == "metonym":
                if _overlap_any(start, end, self.person_ner):
                    continue
                if self.is_actor_use(start, end):
                    out.append(_Cand(start, end, target, 1, "metonym"))
        return out

    def byline_candidates(self) -> list[_Cand]:
        """Contributor lines ("Kareem Fahim in Istanbul contributed to this report.") -> the person, whose
        parent is the article's outlet when the registry knows it."""
        out = []
        outlet = self.ctx.article.outlet
        kind, parent = self.reg.targets.get(_norm(outlet), (None, None)) if outlet else (None, None)
        for m in _BYLINE_RE.finditer(self.text):
            name = re.sub(r"\s+", " ", m.group("name"))
            aid = self.discover(name, "person", None, parent if kind == "alias" else None)
            out.append(_Cand(m.start("name"), m.end("name"), aid, 0, "person"))
        return out

    def coordinated_nationality_candidates(self) -> list[_Cand]:
        """Two or more nationalities on one noun ("US and British activists", "Russian and Syrian warplanes",
        "French, German and Italian diplomats"): every nationality gets its own mention of the actor the noun
        names for that country -- the registry's ("Russian warplanes" -> Russia's military) or the generic
        group's (actor_cues.yaml `generic_actors`). The first conjuncts' mentions are their adjective alone
        ("Russian"); the last one's is the adjective with the noun, unless the registry already names it."""
        nat_re, groups = self._coordination_patterns()
        out: list[_Cand] = []
        text = self.text
        for m in nat_re.finditer(text):
            adjs = [(a.start() + m.start("list"), a.end() + m.start("list"))
                    for a in re.finditer(r"[A-Z][\w.]*(?:\s[A-Z][\w.]*)?", m.group("list"))]
            adjs.append(m.span("last"))
            noun_words = m.group("noun").split()
            for k, (a, b) in enumerate(adjs):
                iso3 = self._nationality_iso3(text[a:b])
                if iso3 is None:
                    break
            else:
                for k, (a, b) in enumerate(adjs):
                    iso3 = self._nationality_iso3(text[a:b])
                    last = k == len(adjs) - 1
                    for n in (2, 1):
                        if len(noun_words) < n:
                            continue
                        noun = " ".join(noun_words[:n])
                        end = m.start("noun") + len(noun)
                        kind, target = self.reg.targets.get(_norm(f"{text[a:b]} {noun}"), (None, None))
                        if kind == "alias":
                            if not last:
                                out.append(_Cand(a, b, target, 0, "nationality"))
                            break
                        group = groups.get(noun.lower())
                        if group is not None:
                            aid = self.generic_actor(group, iso3)
                            if aid:
                                out.append(_Cand(a, end if last else b, aid, 1, "nominal"))
                            break
        return out

    def attacker_nationality_candidates(self, taken: list[tuple[int, int]]) -> list[_Cand]:
        """A nationality adjective on a nominal attack ("Israeli shelling", "Russian air strikes", "Israeli tank
        shelling"): the armed forces of that country (actor_cues.yaml `generic_actors`, the group whose
        `focus` is military), mentioned by the adjective alone."""
        group = next((g for g in self.reg.cues.get("generic_actors") or () if g.get("focus") == "military"), None)
        if group is None:
            return []
        out: list[_Cand] = []
        for tok in self.ctx.doc:
            if tok.dep_ not in ("amod", "compound") or not tok.text[:1].isupper():
                continue
            start, end = tok.idx, tok.idx + len(tok.text)
            iso3 = self._nationality_iso3(tok.text)
            if iso3 is None or _overlap_any(start, end, taken):
                continue
            head = tok.head
            while head.dep_ == "compound" and head.head.i > head.i:
                head = head.head  # "Israeli tank shelling"
            if (head.i <= tok.i or "ASSAULT" not in _event_types(head)) and self._attack_after(tok, taken) is None:
                continue
            aid = self.generic_actor(group, iso3)
            if aid:
                out.append(_Cand(start, end, aid, 3, "nationality"))
        return out

    def _attack_after(self, tok, taken: list[tuple[int, int]], max_between: int = 2):
        """The nominal attack word a nationality adjective opens, read on the surface when the parser split the
        phrase ("in Israeli tank shelling" parsed as "in [Israeli tank]" + a verb "shelling"): up to
        `max_between` lower-case singular nouns or adjectives ("tank", "air", "drone"), none of them part of
        an actor's mention, then a lower-case noun or gerund with an ASSAULT reading in the event lexicon and no
        subject of its own. None if there is no such word."""
        doc = tok.doc
        sent_end = tok.sent.end
        for j in range(tok.i + 1, min(sent_end, tok.i + 2 + max_between)):
            t = doc[j]
            if not (t.is_alpha and t.is_lower) or _overlap_any(t.idx, t.idx + len(t.text), taken):
                return None
            if t.tag_ in ("NN", "NNS", "VBG") and "ASSAULT" in _event_types(t, nouns_only=True) and not any(
                    c.dep_ in ("nsubj", "nsubjpass") for c in t.children):
                return t
            if t.tag_ not in ("NN", "JJ"):
                return None
        return None

    def _nationality_iso3(self, word: str) -> str | None:
        word = word.strip()
        if word in self.reg.adj_iso3:
            return self.reg.adj_iso3[word]
        country = self.gaz.country_by_name(word) if word.isupper() or "." in word else None
        return country.iso3 if country else None

    def _coordination_patterns(self) -> tuple[re.Pattern[str], dict[str, dict]]:
        key = (id(self.reg), id(self.gaz))
        if key not in _COORD_CACHE:
            if len(_COORD_CACHE) > 4:
                _COORD_CACHE.clear()
            _COORD_CACHE[key] = self._build_coordination_patterns()
        return _COORD_CACHE[key]

    def _build_coordination_patterns(self) -> tuple[re.Pattern[str], dict[str, dict]]:
        groups: dict[str, dict] = {}
        for g in self.reg.cues.get("generic_actors") or ():
            for n in g["nouns"]:
                groups.setdefault(n.lower(), g)
        abbrevs = [n for ns in self.gaz.country_names.values() for n in ns if n.isupper() or "." in n]
        nat = "(?:" + "|".join(re.escape(w) for w in sorted({*self.reg.adj_iso3, *abbrevs}, key=len, reverse=True)
                               if w[:1].isupper()) + ")"
        pat = re.compile(rf"(?<![\w-])(?P<list>{nat}(?:,[ \u00a0]+{nat})*),?[ \u00a0]+(?:and|or)[ \u00a0]+"
                         rf"(?P<last>{nat})[ \u00a0]+(?P<noun>[a-z][a-z-]+(?:[ \u00a0][a-z][a-z-]+)?)")
        return pat, groups

    def country_metonym_candidates(self) -> list[_Cand]:
        """Country names without a registry state, used as actors -> discovered governments."""
        out = []
        for m in self.gaz.country_re.finditer(self.text):
            start, end = m.span()
            c = self.gaz.country_by_name(m.group(0))
            if c is None or c.iso3 in self.reg.gov_by_iso3 or _overlap_any(start, end, self.person_ner):
                continue
            if self.is_actor_use(start, end):
                aid = self.discover(f"Government of {c.name}", "government", c.iso3)
                out.append(_Cand(start, end, aid, 2, "metonym"))
        return out

    def ner_candidates(self, taken: list[tuple[int, int]]) -> list[_Cand]:
        text = self.text
        out: list[_Cand] = []
        titles = self.reg.words("titles")
        persons_by_last: dict[str, str] = {}
        for ent in self.ctx.doc.ents:
            if ent.label_ not in ("PERSON", "ORG"):
                continue
            start, end = _strip_span(text, ent.start_char, ent.end_char)
            if end <= start:
                continue
            lead = LEAD_PREP.match(text, start, end)
            if lead and lead.end() < end:
                start = lead.end()  # "Near Palmyra", "In Raqqa": spaCy took the preposition into the name
                if any(c.level == 0 for c in self.gaz.lookup(text[start:end])):
                    continue  # "Near Tal Afar": a place name after a place preposition, not an actor
            if ent.label_ == "PERSON":
                start = self._extend_left(ent, start, titles)
                while True:  # drop leading titles ("President X")
                    m = re.match(r"([\w.'’-]+)\s+", text[start:end])
                    if m and m.group(1).lower() in titles and start + m.end() < end:
                        start += m.end()
                    else:
                        break
            if _overlap_any(start, end, taken):
                continue
            name = re.sub(r"\s+", " ", text[start:end])
            if not re.search(r"[A-Z]", name) or len(name) < 2 or len(name) > 100:
                continue
            key = _norm(name)
            kind, target = self.reg.targets.get(key, (None, None))
            if kind == "alias":
                out.append(_Cand(start, end, target, 2, "person" if ent.label_ == "PERSON" else "org"))
                taken.append((start, end))
                continue
            words = name.split()
            if len(words) == 1 and self._surname_key(name) in persons_by_last:
                out.append(_Cand(start, end, persons_by_last[self._surname_key(name)], 2, "person"))
                taken.append((start, end))
                continue
            if self.gaz.is_probable_place(name, self.focus):
                continue
            if ent.label_ == "PERSON":
                if len(words) == 1 and name.lower() in titles:
                    continue
                aid = self.discover(name, "person")
                if len(words) > 1:
                    persons_by_last.setdefault(self._surname_key(words[-1]), aid)
                out.append(_Cand(start, end, aid, 2, "person"))
            else:
                if len(words) == 1 and name.lower() in titles:
                    continue  # "Defense" of "Defense Secretary Ash Carter"
                typ, country, parent = self._org_type(name)
                aid = self.discover(name, typ, country, parent)
                out.append(_Cand(start, end, aid, 2, "org"))
            taken.append((start, end))
        out.extend(self.titled_person_candidates(taken, persons_by_last))
        return out

    def _surname_key(self, word: str) -> str:
        """A surname folded, without an Arabic article prefix ("al-Abadi" and "Abadi" -> "abadi")."""
        w = word.strip()
        for p in sorted(self.reg.words("surname_prefixes"), key=len, reverse=True):
            if w.lower().startswith(p) and len(w) > len(p) + 1:
                w = w[len(p):]
                break
        return fold(w)

    def titled_person_candidates(self, taken: list[tuple[int, int]], persons_by_last: dict[str, str]) -> list[_Cand]:
        """Capitalised names right after a capitalised person title that spaCy did not tag as a person
        ("President Hollande", "Prime Minister Abadi"); a surname met earlier resolves to that person."""
        doc = self.ctx.doc
        titles = self.reg.words("person_titles")
        stop = self.reg.words("not_person_names")
        out: list[_Cand] = []
        i = 0
        n = len(doc)
        while i < n:
            tok = doc[i]
            if not (tok.text[:1].isupper() and tok.lower_ in titles):
                i += 1
                continue
            j = i + 1
            while j < n and doc[j].text[:1].isupper() and doc[j].lower_ in titles:
                j += 1
            k = j
            while (k < n and k - j < 4 and doc[k].pos_ == "PROPN" and doc[k].text[:1].isupper()
                   and doc[k].text.replace("-", "").isalpha() and doc[k].lower_ not in stop
                   and doc[k].lower_ not in titles and doc[k].ent_type_ in ("", "PERSON", "ORG", "NORP", "GPE")
                   and doc[k].sent == tok.sent):
                k += 1
            if k > j and not (k < n and doc[k].lower_ in stop):
                start, end = doc[j].idx, doc[k - 1].idx + len(doc[k - 1].text)
                name = re.sub(r"\s+", " ", self.text[start:end])
                if (not _overlap_any(start, end, taken) and self.reg.targets.get(_norm(name), (None,))[0] is None
                        and self.gaz.country_by_name(name) is None and not self.gaz.regions_named(name)
                        and name not in self.reg.adj_iso3):
                    words = name.split()
                    key = self._surname_key(name) if len(words) == 1 else None
                    aid = persons_by_last.get(key) if key else None
                    if aid is None:
                        aid = self.discover(name, "person")
                        if len(words) > 1:
                            persons_by_last.setdefault(self._surname_key(words[-1]), aid)
                    out.append(_Cand(start, end, aid, 2, "person"))
                    taken.append((start, end))
            i = max(k, i + 1)
        return out

    def _extend_left(self, ent, start: int, titles: frozenset[str]) -> int:
        doc = self.ctx.doc
        i = ent.start
        while i > 0:
            prev = doc[i - 1]
            if (prev.pos_ == "PROPN" and prev.text[:1].isupper() and prev.ent_type_ in ("", "PERSON")
                    and prev.lower_ not in titles and prev.text.isalpha() and not prev.is_sent_end
                    and prev.sent == ent.sent and prev.whitespace_):
                if prev.lower_ in self.reg.words("titles") or prev.text in self.reg.adj_iso3:
                    break
                i -= 1
            else:
                break
        return min(start, doc[i].idx) if i < ent.start else start

    def _org_type(self, name: str) -> tuple[str, str | None, str | None]:
        low = " " + re.sub(r"[^\w.]+", " ", name.lower()) + " "
        typ = "other"
        for t, kws in (self.reg.cues.get("org_type_keywords") or {}).items():
            if any(f" {k} " in low for k in kws):
                typ = t
                break
        country = None
        parent = None
        first = name.split()[0] if name.split() else ""
        for adj, iso3 in self.reg.adj_iso3.items():
            if name.startswith(adj + " "):
                country = iso3
                if typ in ("government", "military"):
                    parent = self.reg.gov_by_iso3.get(iso3)
                break
        if first in ("UN", "U.N.") or name.startswith("United Nations "):
            parent = "act_un"
            typ = "igo" if typ in ("other", "ngo") else typ
        return typ, country, parent
