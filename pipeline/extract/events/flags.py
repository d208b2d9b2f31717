"""Step 4: context flags (negated, hypothetical, future, historical, claimed), who reports an act, accusations."""

from __future__ import annotations

import dataclasses

from pipeline.extract.attribution import clause_reporters, path_up
from pipeline.extract.events.crosswalk import crosswalk_row
from pipeline.extract.events.lexicon import CONTEXT_FLAGS
from pipeline.extract.events.morphology import any_lemmas
from pipeline.extract.events.records import MAX_QUOTE_CHARS, Frame, Sent, Trigger, trim
from pipeline.extract.types import DateMention, Event
from pipeline.ids import short_hash, span_id


class Flags:
    """Context flags and accusations (a mixin of the article extractor)."""

    def _context(
        self, trig: Trigger, frame: Frame, date: DateMention | None, participants: set[str], sent: Sent
    ) -> list[str]:
        lex = self.lex
        flags: set[str] = set()
        anchor = frame.anchor

        # The clause chain whose modality the event shares: the anchor, and heads it is an infinitive,
        # participle or coordinated verb of.
        chain = [anchor]
        cur = anchor
        for _ in range(6):
            if cur.dep_ in ("xcomp", "conj", "pcomp", "prep", "acomp") and cur.head != cur:
                cur = cur.head
                chain.append(cur)
            else:
                break
        for i, t in enumerate(chain):
            for c in t.children:
                if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no" and t == trig.token):
                    if i == 0 or chain[i - 1].dep_ == "xcomp":
                        flags.add("negated")
                if c.dep_ == "aux" and c.lower_ in lex.future_modals:
                    flags.add("future")
                if c.dep_ == "aux" and c.lower_ in lex.hypothetical_modals:
                    flags.add("hypothetical")
        if trig.kind == "noun" and anchor == trig.token:
            if any(c.lower_ in lex.negation and c.dep_ in ("det", "neg") for c in trig.token.children):
                flags.add("negated")

        # Governors: "plan to attack" (future), "attempted to retake", "fear arrest" (hypothetical).
        nominal_head = trig.token.head if trig.token.dep_ == "compound" else trig.token
        governors = chain[1:] if trig.kind != "noun" or anchor != trig.token else [nominal_head.head]
        if trig.kind != "noun" or anchor != trig.token:
            g = chain[-1]
            if g.dep_ in ("acl",) and g.head != g:
                governors = [*governors, g.head]
            elif g.dep_ in ("xcomp", "ccomp") and g.head != g:
                governors = [*governors, g.head]
        for g in governors:
            if g == trig.token:
                continue
            words = any_lemmas(g, lex) | {g.lower_}
            if words & lex.negating_governors:
                flags.add("negated")
            elif g.lower_ == "going" or words & lex.future_governors:
                flags.add("future")
            elif words & lex.hypothetical_governors:
                flags.add("hypothetical")

        # Conditionals anywhere on the way to the root: "if their towns are recaptured".
        for t in path_up(anchor):
            if any(c.dep_ == "mark" and c.lower_ in lex.conditional_marks for c in t.children):
                flags.add("hypothetical")
                break

        # Historical: an explicit date more than a year before publication.
        pub = self.article.published_at
        if date is not None and date.date_end is not None and pub is not None:
            if (pub - date.date_end).days > 365:  # (no date arithmetic that could leave the calendar)
                flags.add("historical")

        # Claimed: reported by a party to it ("Moscow and Damascus say they are fighting ...").
        if self._is_claimed(anchor, participants, sent):
            flags.add("claimed")
        return [f for f in CONTEXT_FLAGS if f in flags]

    def _reporters(self, anchor) -> list[tuple[object, object | None, bool]]:
        """Who reports the clause of `anchor` (pipeline.extract.attribution.clause_reporters)."""
        lex = self.lex
        return clause_reporters(anchor, lambda t: any_lemmas(t, lex), lex.speech_verbs, lex.claim_verbs,
                                lex.attribution_preps)

    @staticmethod
    def _reported_directly(anchor, verb) -> bool:
        """Whether an act is something a speech verb reports, not a participle describing one of the things
        reported: "said it will send a team to identify victims *killed* by ..." is no report of a killing,
        "said ISIL has killed ..." and "concerned by reports that ISIL has killed ..." are."""
        stop = {verb.i, verb.head.i}
        cur = anchor
        for _ in range(16):
            if cur.i in stop or cur.head == cur:
                return True
            if cur.dep_ == "acl" and not any(c.dep_.startswith("nsubj") for c in cur.children):
                return False
            cur = cur.head
        return True

    def _is_claimed(self, anchor, participants: set[str], sent: Sent) -> bool:
        for _, s, is_claim in self._reporters(anchor):
            if is_claim:
                return True
            if s is None:
                continue
            for a in self._np_actors(s, sent):
                if a.actor_id in participants:
                    return True
        return False

    def _same_side(self, a: str, b: str) -> bool:
        """Whether two actors are one side: parent and child, or state actors (`same_side_actor_types`) of
        the same country."""
        ia, ib = self.actors.get(a), self.actors.get(b)
        if ia is None or ib is None:
            return False
        if ia.parent_actor_id == b or ib.parent_actor_id == a:
            return True
        kinds = self.lex.same_side_actor_types
        return bool(ia.country_iso3) and ia.country_iso3 == ib.country_iso3 and \
            ia.actor_type in kinds and ib.actor_type in kinds

    def _doer_is_pronoun(self, tok) -> bool:
        """Whether the subject a verb trigger has or inherits (through xcomp, conj) is a personal pronoun."""
        cur = tok
        for _ in range(4):
            subj, _ = self._subject_child(cur)
            if subj is not None:
                return subj.pos_ == "PRON" and subj.lower_ not in self.lex.relative_pronouns
            if cur.dep_ not in ("xcomp", "conj") or cur.head == cur:
                return False
            cur = cur.head
        return False

    def _accusation(self, trig: Trigger, ev: Event, sent: Sent) -> Event | None:
        """A party's report of a hostile act by another actor is an accusation (CAMEO 11): "Turkey said the
        regime continues to kill civilians" -> ACCUSE Turkey -> regime, besides the reported ASSAULT. Only for
        speech verbs of `accusing_speech_verbs`, a named speaker that is not a news outlet, a known doer other
        than the speaker, and a reported act that is not negated."""
        lex = self.lex
        if ev.event_type not in lex.accusable_types or not ev.actor1_id or "negated" in ev.context:
            return None
        anchor = trig.token
        for verb, speaker, _ in self._reporters(anchor):
            if speaker is None or verb.dep_ == "prep" or not (any_lemmas(verb, lex) & lex.accusing_speech_verbs):
                continue
            if any(c.dep_ == "neg" for c in verb.children) or not sent.has(verb):
                continue
            if not self._reported_directly(anchor, verb):
                continue  # "said it will send a team to identify victims killed by ...": not what the speaker reports
            found = self._np_actors(speaker, sent)
            if not found:
                continue
            who = found[0]
            if ev.actor1_id in {a.actor_id for a in found} or self._actor_type(who.actor_id) in lex.non_accusing_actor_types:
                return None
            if self._same_side(who.actor_id, ev.actor1_id):
                return None  # "the U.S. Central Command said the United States launched a strike": its own side
            if self._doer_is_pronoun(trig.token):
                return None  # "X said they would strike": the doer is most likely the speaker
            start = min(ev.char_start, who.start, verb.idx)
            end = max(ev.char_end, who.end, verb.idx + len(verb.text))
            if end - start > MAX_QUOTE_CHARS or start < sent.start or end > sent.end:
                return None
            start, end = trim(self.text, start, end)
            row = crosswalk_row("ACCUSE", None) or {}
            event_id = span_id("evt", self.article.article_id, "event:ACCUSE", start, end)
            return dataclasses.replace(
                ev,
                event_id=event_id,
                event_type="ACCUSE",
                mode=None,
                context=(),
                actor1_id=who.actor_id,
                actor2_id=ev.actor1_id,
                assoc_actor_ids=(),
                cameo_root=row.get("cameo_root") or None,
                acled_event_type=row.get("acled_event_type") or None,
                confidence=round(max(0.05, min(ev.confidence, lex.accusation_confidence)), 2),
                cluster_id="clu_" + short_hash(event_id),
                char_start=start,
                char_end=end,
                quote=self.text[start:end],
            )
        return None
