"""Step 3: the place and date an event is attached to."""

from __future__ import annotations

import re
from collections import deque

from pipeline.extract.events.morphology import noun_singular_candidates
from pipeline.extract.events.records import CLAUSE_BOUNDARY_DEPS, Arg, Frame, Sent, Trigger
from pipeline.extract.types import DateMention, PlaceMention


class Placing:
    """Attaches a place and a date (a mixin of the article extractor)."""

    def _bfs(self, roots: list, sent: Sent, prune: tuple[str, ...]) -> list:
        seen = set()
        order = []
        queue = deque((r, 0) for r in roots)
        while queue:
            tok, d = queue.popleft()
            if tok.i in seen or not sent.has(tok):
                continue
            seen.add(tok.i)
            order.append((d, tok))
            for c in tok.children:
                if c.dep_ in prune or (c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")):
                    continue  # another clause or another predicate
                queue.append((c, d + 1))
        return [t for _, t in order]

    def _is_dateline(self, pm: PlaceMention) -> bool:
        """A place at the start of a line followed by a dateline separator ("BEIRUT —", "LYON:",
        "GAZA CITY, Palestinian Territories:", "KABUL (Reuters) -")."""
        line_start = self.text.rfind("\n", 0, pm.char_start) + 1
        if self.text[line_start : pm.char_start].strip():
            return False
        seps = "|".join(re.escape(x) for x in sorted(self.lex.dateline_separators, key=len, reverse=True))
        if not seps:
            return False
        after = self.text[pm.char_end : pm.char_end + 80]
        return re.match(rf"(?:\s*,\s*[A-Z][^\n,:(—–]{{0,40}}?)?\s*(?:\([^)\n]{{0,30}}\))?\s*(?:{seps})\s", after) is not None

    def _named_settlement(self, frame: Frame, trig: Trigger, sent: Sent) -> PlaceMention | None:
        """The place a generic settlement noun stands for when the sentence names it later: "captured a key
        town in the province of Idlib ... the town of Maarat al-Numan" -> Maarat al-Numan."""
        lex = self.lex
        v = trig.token
        nouns = [c for c in v.children if c.dep_ in ("dobj", "nsubjpass")] if trig.kind == "verb" else []
        if trig.theme is not None:
            nouns.append(trig.theme)
        for noun in nouns:
            if not (noun_singular_candidates(noun.lower_) & lex.settlement_nouns) or self.m.place_at(noun):
                continue
            if any(self.m.place_at(c) for c in noun.children if c.dep_ in ("compound", "appos", "amod")):
                continue  # already named: "the town of X" / "X town"
            for pm in self.m.places:
                if not (sent.start <= pm.char_start and pm.char_end <= sent.end) or self._is_dateline(pm):
                    continue
                span = self.doc.char_span(pm.char_start, pm.char_end, alignment_mode="expand")
                if span is None or len(span) == 0:
                    continue
                root = span.root
                named = None
                if root.dep_ == "pobj" and root.head.lower_ == "of":
                    named = root.head.head
                elif root.dep_ == "appos":
                    named = root.head
                if named is not None and named.i != noun.i and named.lower_ == noun.lower_:
                    return pm
        return None

    def _place(self, frame: Frame, trig: Trigger, sent: Sent, used: list[Arg]) -> tuple[str | None, bool, int]:
        datelines: list[PlaceMention] = []

        def excluded(pm: PlaceMention) -> bool:
            if any(pm.char_start < a.end and a.start < pm.char_end for a in used):
                return True
            if self._is_dateline(pm):
                datelines.append(pm)
                return True
            return False

        named = self._named_settlement(frame, trig, sent)
        if named is not None and not excluded(named):
            return named.place_id, True, named.char_end
        for prune in (CLAUSE_BOUNDARY_DEPS, ("ccomp", "parataxis", "advcl")):
            for tok in self._bfs(frame.search_roots, sent, prune):
                pm = self.m.place_at(tok)
                if pm is not None and not excluded(pm):
                    return pm.place_id, True, pm.char_end
        best = None
        pos = trig.token.idx
        for pm in self.m.places:
            if pm.char_start >= sent.start and pm.char_end <= sent.end and not excluded(pm):
                dist = abs(pm.char_start - pos)
                if best is None or dist < best[0]:
                    best = (dist, pm)
        if best is not None:
            return best[1].place_id, False, -1
        if datelines:  # a dateline only when the sentence names no other place
            return datelines[0].place_id, False, -1
        return None, False, -1

    def _date(self, frame: Frame, trig: Trigger, sent: Sent) -> DateMention | None:
        roots = list(frame.search_roots)
        cur = frame.anchor
        for _ in range(6):  # dates on the governing verbs of the same clause ("This week, X began advancing")
            if cur.dep_ in ("xcomp", "conj", "pcomp", "acomp", "prep") and cur.head != cur:
                cur = cur.head
                roots.append(cur)
            else:
                break
        for tok in self._bfs(roots, sent, CLAUSE_BOUNDARY_DEPS):
            dm = self.m.date_at(tok)
            if dm is not None:
                return dm
        return None
