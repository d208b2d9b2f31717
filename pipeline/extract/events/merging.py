"""One act told twice in a sentence is one event; repeated reports of one span are dropped."""

from __future__ import annotations

import dataclasses

from pipeline.extract.events.crosswalk import crosswalk_row
from pipeline.extract.events.morphology import any_lemmas
from pipeline.extract.events.records import MAX_QUOTE_CHARS, Trigger
from pipeline.extract.types import Event
from pipeline.ids import short_hash, span_id


def participant_ids(e: Event) -> set[str]:
    return {a for a in (e.actor1_id, e.actor2_id, *e.assoc_actor_ids) if a}


class Merging:
    """Merges the reports of one act (a mixin of the article extractor)."""

    def _tells_again(self, a: Trigger, ea: Event, b: Trigger, eb: Event) -> bool:
        """Whether trigger `b` tells the act of trigger `a` again, as a part of `a`'s own phrase (same type):

        - a nominal trigger that is the subject, object, agent or means of a verb trigger ("air attacks have
          demolished hospitals", "a drone strike killed two militants", "co-sponsored a de-escalation agreement",
          "devastated by an assault", "kill civilians by attacks"), also as a member of a list;
        - a nominal trigger in apposition to, or naming the substance of, a nominal trigger ("an assault of barrel
          bombs, missiles and shelling");
        - a verb trigger that is the means of a verb trigger ("killed 12 civilians by shelling the market"), or the
          participle of the light verb of a nominal trigger ("launched an offensive on X, attacking army posts"),
          with no subject of its own;
        - a verb trigger of the same mode inside `a`'s phrase, not coordinated with it, naming no actor `a` does
          not name ("millions took refuge after fleeing", "were displaced, a number that includes some who have
          been displaced multiple times").

        An act a killing happened in ("killed in an air strike", `cause_preps`) stays an event of its own."""
        if a.sense.event_type != b.sense.event_type:
            return False
        ta, tb = a.token, b.token
        if b.kind == "noun":
            h = tb.head if tb.dep_ == "compound" else tb
            while h.dep_ == "conj" and h.head.i != h.i:
                h = h.head
            if h.head.i != ta.i and h.dep_ == "pobj" and h.head.dep_ in ("prep", "agent") and h.head.head.i == ta.i:
                p = h.head
                if a.kind == "verb":
                    return p.dep_ == "agent" or p.lower_ in self.lex.means_preps
                return a.kind == "noun" and p.lower_ in self.lex.noun_restating_preps
            if h.head.i != ta.i or h.i == ta.i:
                return False
            if a.kind == "verb":
                return h.dep_ in ("nsubj", "nsubjpass", "dobj")
            return a.kind == "noun" and h.dep_ == "appos"
        if b.kind != "verb" or self._subject_child(tb)[0] is not None and tb.dep_ != "relcl":
            return False
        if tb.dep_ == "pcomp" and tb.head.lower_ in self.lex.means_preps and tb.head.head.i == ta.i:
            return a.kind == "verb"
        if a.kind == "noun":
            na = ta.head if ta.dep_ == "compound" else ta
            return (tb.dep_ == "advcl" and na.dep_ == "dobj" and tb.head.i == na.head.i
                    and bool(any_lemmas(tb.head, self.lex) & self.lex.light_verbs))
        if a.kind == "verb" and tb.dep_ != "conj" and b.sense.mode == a.sense.mode:
            if not participant_ids(eb) <= participant_ids(ea):
                return False
            cur, steps = tb, 0
            while cur.head.i != cur.i and steps < 8:
                if cur.dep_ == "conj" or (cur.dep_ in ("ccomp", "parataxis") and cur.i != tb.i):
                    return False  # another clause's act ("X fled and Y fled", "said they had fled")
                cur, steps = cur.head, steps + 1
                if cur.i == ta.i:
                    return True
        return False

    def _same_act_compatible(self, a: Event, b: Event) -> bool:
        """Whether two reports could be one act: no two different actors in one role, no two places or dates,
        the same negation, and modes that agree (the same, one missing, one a `result_modes` outcome, or two
        modes with the same CAMEO root and ACLED type)."""
        for x, y in ((a.actor1_id, b.actor1_id), (a.actor2_id, b.actor2_id), (a.place_id, b.place_id),
                     (a.date_start, b.date_start)):
            if x is not None and y is not None and x != y:
                return False
        if ("negated" in a.context) != ("negated" in b.context):
            return False
        return self._merged_mode(a, b) is not False

    def _merged_mode(self, a: Event, b: Event) -> str | None | bool:
        """The mode of one act told as `a` and `b` (a's when both fit), or False when the modes disagree."""
        if a.mode == b.mode or b.mode is None:
            return a.mode
        if a.mode is None:
            return b.mode
        if a.mode in self.lex.result_modes and b.mode not in self.lex.result_modes:
            return b.mode
        if b.mode in self.lex.result_modes and a.mode not in self.lex.result_modes:
            return a.mode
        ra, rb = crosswalk_row(a.event_type, a.mode), crosswalk_row(b.event_type, b.mode)
        if ra and rb and (ra.get("cameo_root"), ra.get("acled_event_type")) == (rb.get("cameo_root"), rb.get("acled_event_type")):
            return a.mode
        return False

    @staticmethod
    def _richness(trigs: list[Trigger], e: Event) -> tuple:
        """Preference for the report that survives a merge: more actors, place and date; then a verb (the clause's
        own predicate); then the earlier span."""
        n = sum(x is not None for x in (e.actor1_id, e.actor2_id, e.place_id, e.date_start)) + len(e.assoc_actor_ids)
        return (n, any(t.kind == "verb" for t in trigs), -e.char_start, -e.char_end)

    def _merged(self, x: tuple[list[Trigger], Event], y: tuple[list[Trigger], Event]) -> tuple[list[Trigger], Event]:
        """One event from two reports of one act: the richer report (`_richness`) with the other's actors, place
        and date where it has none, their modes reconciled (`_merged_mode`), and a quote spanning both tellings
        (unless longer than MAX_QUOTE_CHARS). Its id follows the usual rule for its span."""
        (tx, ex), (ty, ey) = x, y
        if self._richness(ty, ey) > self._richness(tx, ex):
            (tx, ex), (ty, ey) = (ty, ey), (tx, ex)
        mode = self._merged_mode(ex, ey)
        mode = None if mode is False else mode
        a1 = ex.actor1_id or ey.actor1_id
        a2 = ex.actor2_id or ey.actor2_id
        assoc = [a for a in dict.fromkeys((*ex.assoc_actor_ids, ey.actor1_id, ey.actor2_id, *ey.assoc_actor_ids))
                 if a and a not in (a1, a2)]
        dated = ex if ex.date_start is not None else ey
        start, end = min(ex.char_start, ey.char_start), max(ex.char_end, ey.char_end)
        if end - start > MAX_QUOTE_CHARS:
            start, end = ex.char_start, ex.char_end
        cameo, acled = self._codes(ex.event_type, mode, a2)
        event_id = span_id("evt", self.article.article_id, "event", start, end)
        merged = dataclasses.replace(
            ex, mode=mode, actor1_id=a1, actor2_id=a2, assoc_actor_ids=tuple(assoc),
            place_id=ex.place_id or ey.place_id, date_start=dated.date_start, date_end=dated.date_end,
            date_precision=dated.date_precision, cameo_root=cameo, acled_event_type=acled,
            confidence=max(ex.confidence, ey.confidence), event_id=event_id, cluster_id="clu_" + short_hash(event_id),
            char_start=start, char_end=end, quote=self.text[start:end],
        )
        return tx + ty, merged

    def _merge_same_act(self, kept: list[tuple[Trigger, Event]]) -> list[Event]:
        """The events of one sentence with every act told twice merged into one event (`_tells_again`,
        `_same_act_compatible`, `_merged`), in a deterministic order."""
        groups: list[tuple[list[Trigger], Event]] = [([t], e) for t, e in kept]
        changed = True
        while changed:
            changed = False
            for i, j in ((i, j) for i in range(len(groups)) for j in range(len(groups)) if i != j):
                (ti, ei), (tj, ej) = groups[i], groups[j]
                if ei.event_type != ej.event_type or not self._same_act_compatible(ei, ej):
                    continue
                if any(self._tells_again(a, ei, b, ej) for a in ti for b in tj):
                    groups[min(i, j)] = self._merged(groups[i], groups[j])
                    del groups[max(i, j)]
                    changed = True
                    break
        return [e for _, e in groups]


def unique_events(events: list[Event], article_id: str) -> list[Event]:
    """Drop repeated (span, type) reports; give a distinct id to a second type on the same span."""
    events = sorted(events, key=lambda e: (e.char_start, e.char_end, -e.confidence, e.event_type))
    out: list[Event] = []
    seen_types: set[tuple[int, int, str]] = set()
    seen_ids: set[str] = set()
    for e in events:
        key = (e.char_start, e.char_end, e.event_type)
        if key in seen_types:
            continue
        seen_types.add(key)
        if e.event_id in seen_ids:
            new_id = span_id("evt", article_id, f"event:{e.event_type}", e.char_start, e.char_end)
            e = dataclasses.replace(e, event_id=new_id, cluster_id="clu_" + short_hash(new_id))
        seen_ids.add(e.event_id)
        out.append(e)
    return sorted(out, key=lambda e: (e.char_start, e.char_end, e.event_type, e.event_id))
