"""Unnamed actor mentions: common-noun phrases ("the army"), titles ("the president") and pronouns."""

from __future__ import annotations

import re
from dataclasses import replace
from types import SimpleNamespace
from typing import Sequence

from pipeline.extract.actors.common import _Cand, _is_nominal_head, _overlap_any, _span_text
from pipeline.extract.attribution import quote_speaker, speech_attributions
from pipeline.extract.places import fold
from pipeline.extract.types import ActorInfo



class Unnamed:
    """Unnamed actors: common-noun phrases, titles and pronouns (a mixin of the extraction)."""

    def _actor_info(self, aid: str) -> ActorInfo | None:
        return self.discovered.get(aid) or self.reg.actors.get(aid)

    def _is_person(self, aid: str) -> bool:
        info = self._actor_info(aid)
        return info is not None and info.actor_type == "person"

    def generic_actor(self, group: dict, adj_iso3: str | None) -> str | None:
        """The actor a common-noun phrase of `group` stands for (see actor_cues.yaml `generic_actors`)."""
        role = group.get("focus")
        if role:
            aid = self.reg.focus_roles.get(adj_iso3, {}).get(role) if adj_iso3 else self.focus_actor(role)
            if aid:
                return aid
        if adj_iso3:  # a country the phrase names itself ("Ukrainian lawmakers") holds for every group
            iso3: str | None = adj_iso3
        elif group.get("country") is False:
            iso3 = None
        else:
            iso3 = self.focus_ranked[0] if self.focus_ranked else None
        name = f"{group['label']} ({iso3})" if iso3 else str(group["label"])
        parent = None
        if group.get("parent_focus") and iso3:
            parent = self.reg.focus_roles.get(iso3, {}).get(group["parent_focus"])
        return self.discover(name, group["type"], iso3, parent)

    def _noun_phrase(self, tok, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
        """Character span of a head noun with the adjectives/compounds right before it (never a taken span)."""
        doc = self.ctx.doc
        head_start, head_end = tok.idx, tok.idx + len(tok.text)
        if _overlap_any(head_start, head_end, taken):
            return None
        j = tok.i
        while j - 1 >= tok.sent.start:
            p = doc[j - 1]
            if p.dep_ not in ("amod", "compound") or not (j - 1 < p.head.i <= tok.i) or not p.text[:1].isalpha():
                break
            if _overlap_any(p.idx, p.idx + len(p.text), taken):
                break
            j -= 1
        return doc[j].idx, head_end

    def _modifier_iso3(self, tok) -> str | None:
        """The country a nationality or country word modifying an office noun names, when the parser attached it
        as a nominal modifier left out of the noun phrase ("The US Secretary of State": "US" is an nmod)."""
        for c in tok.children:
            if c.dep_ == "nmod" and c.i < tok.i and c.text[:1].isupper():
                iso3 = self._nationality_iso3(c.text)
                if iso3:
                    return iso3
        return None

    def _adj_iso3(self, start: int, end: int) -> str | None:
        for w in re.findall(r"[\w'’.-]+", self.text[start:end]):
            if w.rstrip(".") in self.reg.adj_iso3 or w in self.reg.adj_iso3:
                return self.reg.adj_iso3.get(w) or self.reg.adj_iso3[w.rstrip(".")]
        return None

    def _phrase_iso3(self, tok, start: int, end: int) -> str | None:
        """The country a common-noun phrase names: a nationality adjective in it ("Georgian demonstrators"), a
        country possessor ("Iraq's national security advisor"), else a country named right after the head by
        in/from/of ("a court in Guyana", "dissidents from Myanmar")."""
        iso3 = self._adj_iso3(start, end)
        if iso3:
            return iso3
        for c in tok.children:
            if c.dep_ == "poss" and c.ent_type_ == "GPE":
                country = self.gaz.country_by_name(_span_text(c))
                if country is not None:
                    return country.iso3
        state_nouns = {n.lower() for n in self.reg.cues["government_nouns"] + self.reg.cues["force_nouns"]}
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in ("in", "from", "of") and c.i == tok.i + 1:
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is None:
                    continue
                if pobj.ent_type_ == "GPE":
                    country = self.gaz.country_by_name(_span_text(pobj))
                    if country is not None:
                        return country.iso3  # "a court in Guyana", "dissidents from Myanmar"
                if c.lower_ == "in":
                    continue
                if pobj.lower_ in state_nouns:  # "ministers from the Georgian government"
                    iso3 = self._adj_iso3(pobj.left_edge.idx, pobj.idx + len(pobj.text))
                    if iso3:
                        return iso3
                if pobj.ent_type_ == "ORG":  # "leaders of Egypt's Muslim Brotherhood"
                    for g in pobj.children:
                        if g.dep_ == "poss" and g.ent_type_ == "GPE":
                            country = self.gaz.country_by_name(_span_text(g))
                            if country is not None:
                                return country.iso3
        return None

    def state_government(self, iso3: str) -> str | None:
        """The government of a state: the registry's, else a discovered "Government of <country>"."""
        aid = self.reg.gov_by_iso3.get(iso3)
        if aid:
            return aid
        country = self.gaz.country_by_iso3(iso3)
        return self.discover(f"Government of {country.name}", "government", iso3) if country else None

    def _give_state(self, person_id: str, iso3: str) -> None:
        """A discovered person introduced by a state's office ("The US commander ..., General X") belongs to
        that state (its government as parent) unless known otherwise."""
        info = self.discovered.get(person_id)
        if info is None or info.country_iso3 or info.parent_actor_id:
            return
        self.discovered[person_id] = replace(info, country_iso3=iso3, parent_actor_id=self.reg.gov_by_iso3.get(iso3))

    def _last_mention(self, cands: Sequence[_Cand], before: int, min_sentence: int, pred) -> _Cand | None:
        best = None
        for c in cands:
            if c.end <= before and self.ctx.sentence_index_at(c.start) >= min_sentence and pred(c):
                if best is None or c.start > best.start:
                    best = c
        return best

    def nominal_candidates(self, chosen: list[_Cand]) -> list[_Cand]:
        """Actor mentions for common-noun phrases: definite references to an organisation named earlier
        ("the coalition", "the group"), titles standing for a person named with them ("the secretary"), and
        generic groups ("security forces", "protesters", "civilians") resolved as actor_cues.yaml says."""
        cues = self._nominal_cues()
        taken = [(c.start, c.end) for c in chosen]
        known = list(chosen)
        out: list[_Cand] = []
        for tok in self.ctx.doc:
            if tok.pos_ not in ("NOUN", "PROPN") or not tok.text.isalpha() or not _is_nominal_head(tok):
                continue
            if tok.pos_ == "PROPN" and tok.ent_type_ in ("PERSON", "GPE", "LOC", "FAC", "NORP"):
                continue
            span = self._noun_phrase(tok, taken)
            if span is None or self._of_country_list(tok):
                continue
            found = self._nominal_actor(tok, span, cues, taken, known)
            if found is None:
                continue
            cand = _Cand(span[0], span[1], found[0], 3, found[1])
            out.append(cand)
            known.append(cand)
            taken.append((span[0], span[1]))
        return out

    def _nominal_cues(self) -> SimpleNamespace:
        """The word lists of actor_cues.yaml and the registry that common-noun mentions are read with."""
        cues = self.reg.cues
        groups: dict[str, dict] = {}
        for g in cues.get("generic_actors") or ():
            for n in g["nouns"]:
                groups.setdefault(n.lower(), g)
        return SimpleNamespace(
            groups=groups,
            militants=next((g for g in cues.get("generic_actors") or () if g["label"] == "Militants"), None),
            group_nouns=self.reg.words("group_nouns"),
            militant_adj=self.reg.words("militant_adjectives"),
            org_heads=self.reg.words("org_head_nouns"),
            titles={t.lower() for t in cues.get("title_anaphors") or ()},
            offices={t.lower() for t in cues.get("state_office_nouns") or ()},
            window=int(cues.get("anaphora_max_sentences") or 4),
        )

    def _nominal_actor(self, tok, span: tuple[int, int], cues: SimpleNamespace, taken: list, known: list[_Cand]):
        """(actor id, hint) of the common-noun phrase `span` headed by `tok`, or None when it names no actor."""
        start, end = span
        words = self.text[start:end].lower().split()
        low = tok.lower_
        det = next((c.lower_ for c in tok.lefts if c.dep_ in ("det", "poss")), None)
        definite = det in ("the", "this", "these", "that", "those")
        sent_i = self.ctx.sentence_index_at(start)
        aid = None
        hint = "nominal"
        # a title standing for a person named with it ("the secretary", "The Foreign Secretary")
        two = " ".join(words[-2:])
        title = two if two in cues.titles else (low if low in cues.titles else None)
        office_iso3 = None
        if two in cues.offices or low in cues.offices or (tok.lower_ == "state" and two == "secretary of state"):
            office_iso3 = self._adj_iso3(start, end) or self._modifier_iso3(tok)
        if title and (definite or tok.text[:1].isupper() or office_iso3):
            nxt = self.ctx.doc[tok.i + 1] if tok.i + 1 < len(self.ctx.doc) else None
            if nxt is not None and nxt.ent_type_ == "PERSON":
                return None  # "Secretary Kerry": the name is the mention
            aid = self._titled_person(title.split()[-1], start, end, known)
            if aid is not None and office_iso3:
                self._give_state(aid, office_iso3)
            elif aid is None and office_iso3:
                aid = self.state_government(office_iso3)  # "the US leader", "the French president"
            if aid is None:
                return None
            hint = "title"
        elif office_iso3 and low not in cues.groups and two not in cues.groups:
            aid = self.state_government(office_iso3)  # "a US envoy", "Iranian negotiators"
            hint = "title"
        elif definite and low in cues.org_heads:
            c = self._last_mention(known, start, 0, lambda c: not self._is_person(c.actor_id)
                                   and low in (fold(self._actor_info(c.actor_id).name).split()
                                               + fold(self.text[c.start:c.end]).split()))
            if c is not None:
                aid = c.actor_id
        if aid is None and low in cues.group_nouns:
            if any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.rights):
                return None  # "a group of supporters", "a group of buildings": the members are what counts
            if definite:
                c = self._last_mention(known, start, sent_i - cues.window, lambda c: (
                    self._actor_info(c.actor_id).actor_type in ("rebel_group", "other", "ngo", "political_party",
                                                                 "igo", "media")))
                aid = c.actor_id if c is not None else None
            if aid is None and cues.militants and any(w in cues.militant_adj for w in words[:-1]):
                aid = self.generic_actor(cues.militants, self._adj_iso3(start, end))
            if aid is None:
                return None
        if aid is None:
            key = two if two in cues.groups else (low if low in cues.groups else None)
            if key is None:
                return None
            if any(c.dep_ in ("compound", "nmod") and _overlap_any(c.idx, c.idx + len(c.text), taken)
                   and not self._overlap_state_actor(c, known) for c in tok.lefts):
                return None  # "UN troops", "Hamas fighters": the organisation named is the actor
            aid = self.generic_actor(cues.groups[key], self._phrase_iso3(tok, start, end))
        if aid is None:
            return None
        return aid, hint

    def _overlap_state_actor(self, tok, known: Sequence[_Cand]) -> bool:
        """Whether the mention covering `tok` is a state's government, forces or people (a nationality word)."""
        for c in known:
            if c.start <= tok.idx < c.end:
                info = self._actor_info(c.actor_id)
                return info is not None and info.actor_type in ("government", "military", "civilians") and \
                    c.role_hint in ("nationality", "metonym")
        return False

    def _titled_person(self, title_word: str, start: int, end: int, known: Sequence[_Cand]) -> str | None:
        """The person a title phrase refers to: the person named right after it (", Boris Johnson,"), else the
        last person named earlier with that title word just before the name, else the only one named later."""
        people = sorted((c for c in known if self._is_person(c.actor_id)), key=lambda c: c.start)
        after = re.match(r"\s*,\s*", self.text[end:end + 4])
        if after:
            for c in people:
                if c.start == end + after.end():
                    return c.actor_id
        pat = re.compile(rf"\b{re.escape(title_word)}\b[^.;:]{{0,40}}$", re.I)
        titled = [c for c in people if pat.search(self.text[max(0, c.start - 60):c.start])]
        before = [c for c in titled if c.end <= start]
        if before:
            return before[-1].actor_id
        later = {c.actor_id for c in titled}
        return next(iter(later)) if len(later) == 1 else None

    def pronoun_candidates(self, chosen: list[_Cand]) -> list[_Cand]:
        """Actor mentions for personal pronouns that resolve (see actor_cues.yaml `pronouns`); a pronoun
        never creates an actor and an unresolved one is not a mention."""
        doc = self.ctx.doc
        cues = self.reg.cues
        pro = {k: frozenset(v) for k, v in (cues.get("pronouns") or {}).items()}
        window = int(cues.get("anaphora_max_sentences") or 4)
        taken = [(c.start, c.end) for c in chosen]
        known = list(chosen)
        out: list[_Cand] = []
        # a possessive determiner is a mention only before a noun for people ("his comrades", "our partners");
        # "their lot", "our education" qualify a thing and are left out
        people = self.reg.words("people_nouns") | {
            n.lower() for g in cues.get("generic_actors") or () for n in g["nouns"]}
        toks = [t for t in doc if t.pos_ == "PRON" and (t.tag_ != "PRP$" or t.head.lower_ in people)
                and (t.text.islower() or t.text == "I" or t.text.istitle())
                and not _overlap_any(t.idx, t.idx + len(t.text), taken)]

        def add(t, aid: str) -> None:
            c = _Cand(t.idx, t.idx + len(t.text), aid, 4, "pronoun")
            out.append(c)
            known.append(c)
            taken.append((c.start, c.end))

        # third person first: a resolved "he" can then be the speaker of a quote ("..." he says)
        for t in toks:
            low = t.lower_
            if t.text == "US":
                continue
            s = self.ctx.sentence_index_at(t.idx)
            if low in pro.get("third_singular", ()):
                c = self._last_mention(known, t.idx, s - window, lambda c: self._is_person(c.actor_id))
                if c is not None:
                    add(t, c.actor_id)
            elif low in pro.get("third_plural", ()):
                c = self._last_mention(known, t.idx, s - 2, lambda c: not self._is_person(c.actor_id))
                if c is not None:
                    add(t, c.actor_id)
        speakers = speech_attributions(self.ctx, self.reg.verbs("speech_verbs"), known)
        for t in toks:
            low = t.lower_
            if t.text == "US" or _overlap_any(t.idx, t.idx + len(t.text), taken):
                continue
            first_sing = low in pro.get("first_singular", ())
            first_plur = low in pro.get("first_plural", ())
            if not (first_sing or first_plur):
                continue
            speaker = quote_speaker(self.ctx, t.idx, speakers)
            if first_sing:
                if speaker is not None:
                    add(t, speaker)
                continue
            if speaker is not None:
                info = self._actor_info(speaker)
                add(t, info.parent_actor_id if info and info.actor_type == "person" and info.parent_actor_id
                    else speaker)
                continue
            s = self.ctx.sentence_index_at(t.idx)
            c = self._last_mention(known, t.idx, s - 2, lambda c: self._actor_info(c.actor_id).actor_type
                                   not in ("person", "civilians") and c.role_hint not in ("pronoun",))
            if c is not None:
                add(t, c.actor_id)
        return out
