"""The article extractor: triggers, frames, place and date, context, confidence and codes, merged per sentence."""

from __future__ import annotations

from pipeline.extract.context import ArticleContext
from pipeline.extract.events.arguments import Arguments
from pipeline.extract.events.crosswalk import crosswalk_row
from pipeline.extract.events.flags import Flags
from pipeline.extract.events.frames import Frames
from pipeline.extract.events.lexicon import CONTEXT_FLAGS, load_event_lexicon
from pipeline.extract.events.merging import Merging, unique_events
from pipeline.extract.events.morphology import any_lemmas, verb_lemmas
from pipeline.extract.events.noun_frame import NounFrames
from pipeline.extract.events.placing import Placing
from pipeline.extract.events.records import MAX_QUOTE_CHARS, PENALTY, Arg, Frame, Mentions, Sent, Trigger, trim
from pipeline.extract.events.triggers import Triggers
from pipeline.extract.events.verb_frame import VerbFrames
from pipeline.extract.types import ActorInfo, ActorMention, DateMention, Event, PlaceMention
from pipeline.ids import short_hash, span_id


class _ArticleExtractor(Triggers, Arguments, VerbFrames, NounFrames, Frames, Placing, Flags, Merging):
    """The events of one article."""

    def __init__(
        self,
        ctx: ArticleContext,
        actor_mentions: list[ActorMention],
        place_mentions: list[PlaceMention],
        date_mentions: list[DateMention],
        actors: dict[str, ActorInfo],
    ):
        self.ctx = ctx
        self.doc = ctx.doc
        self.text = ctx.text
        self.article = ctx.article
        self.lex = load_event_lexicon()
        self.m = Mentions(actor_mentions, place_mentions, date_mentions)
        self.actors = actors

    @staticmethod
    def _is_participant_noun(n) -> bool:
        """Whether a nominal trigger is itself a participant of its clause: the subject of a verb, or the agent
        of a passive ("destroyed by an assault")."""
        head = n.head if n.dep_ == "compound" else n
        if head.dep_ in ("nsubj", "nsubjpass") and head.head.pos_ in ("VERB", "AUX"):
            return True
        return head.dep_ == "pobj" and head.head.dep_ == "agent"

    def _reported_participant(self, n) -> bool:
        """Whether a nominal attack that names nobody, no place and no date is still reported to happen: the agent
        of a passive ("devastated by an assault"), or the subject of a verb of the trigger lexicon or of
        `occurrence_verbs` ("air attacks have demolished hospitals", "bombardment resumed"), or a subject pointing
        back at an act told before ("this offensive was part of a larger operation"). The subject of any other
        verb ("the renewed fighting comes despite a ceasefire") mentions an act without reporting one."""
        if not self._is_participant_noun(n):
            return False
        head = n.head if n.dep_ == "compound" else n
        if head.dep_ == "pobj":
            return True
        if any(c.dep_ == "det" and c.lower_ in self.lex.demonstratives for c in head.children):
            return True
        verb = head.head
        return bool(verb_lemmas(verb, self.lex)) or bool(any_lemmas(verb, self.lex) & self.lex.occurrence_verbs)

    def _build(self, trig: Trigger, sent: Sent) -> Event | None:
        if trig.kind == "verb":
            frame = self._verb_frame(trig, sent)
        elif trig.kind == "noun":
            frame = self._noun_frame(trig, sent)
        else:
            frame = self._adj_frame(trig, sent)
        sense = trig.sense
        etype = sense.event_type

        actor1 = frame.actor1[0] if frame.actor1 else None
        rest1 = frame.actor1[1:]
        actor2 = frame.actor2[0] if frame.actor2 else None
        if actor2 is None and etype in self.lex.symmetric_types and rest1:
            actor2, rest1 = rest1[0], rest1[1:]
        if actor1 is not None and actor2 is not None and actor1.actor_id == actor2.actor_id:
            actor2 = None
        main_ids = {a.actor_id for a in (actor1, actor2) if a is not None}
        assoc_ids: list[str] = []
        for a in [*rest1, *frame.actor2[1:], *frame.assoc]:
            if a.actor_id not in main_ids and a.actor_id not in assoc_ids:
                assoc_ids.append(a.actor_id)

        used = [a for a in (actor1, actor2) if a is not None]
        place_id, attached, place_end = self._place(frame, trig, sent, used)
        if actor1 is None and actor2 is None and not assoc_ids:
            if etype == "DISPLACEMENT":
                pass
            elif (etype == "ASSAULT" or (etype == "AGREE" and sense.mode)) and place_id is not None and attached:
                pass  # a fight, a ceasefire or a deal at a place; not a promise nobody makes ("funds pledged")
            elif etype == "ASSAULT" and trig.kind == "noun" and self._reported_participant(trig.token):
                pass  # "air attacks have demolished hospitals", "bombardment resumed", "devastated by an assault"
            else:
                return None

        date = self._date(frame, trig, sent)
        participants = set(main_ids) | set(assoc_ids)
        context = self._context(trig, frame, date, participants, sent)
        if frame.flags:
            context = [f for f in CONTEXT_FLAGS if f in set(context) | set(frame.flags)]

        start, end = self._quote_span(trig, frame, sent, used, place_end if attached else -1)
        confidence = self._confidence(trig, actor1, actor2, place_id, used, context)

        cameo, acled = self._codes(etype, sense.mode, actor2.actor_id if actor2 else None)

        if date is not None and date.date_start is not None:
            d_start, d_end, precision = date.date_start, date.date_end or date.date_start, date.precision
            if precision not in ("day", "week", "month", "year"):
                precision = "unknown"
        else:
            d_start, d_end, precision = None, None, "unknown"

        event_id = span_id("evt", self.article.article_id, "event", start, end)
        return Event(
            event_id=event_id,
            article_id=self.article.article_id,
            event_type=etype,
            mode=sense.mode,
            context=tuple(context),
            actor1_id=actor1.actor_id if actor1 else None,
            actor2_id=actor2.actor_id if actor2 else None,
            assoc_actor_ids=tuple(assoc_ids),
            place_id=place_id,
            date_start=d_start,
            date_end=d_end,
            date_precision=precision,
            cameo_root=cameo,
            acled_event_type=acled,
            confidence=confidence,
            cluster_id="clu_" + short_hash(event_id),
            char_start=start,
            char_end=end,
            quote=self.text[start:end],
            sentence=self.text[sent.start : sent.end],
            sentence_index=sent.index,
        )

    def _quote_span(self, trig: Trigger, frame: Frame, sent: Sent, used: list[Arg], place_end: int) -> tuple[int, int]:
        """The quote: from the start of actor1 (or the trigger) to the end of the argument phrase (and of the
        attached place, `place_end`, -1 for none)."""
        trig_start = min(t.idx for t in trig.tokens)
        trig_end = max(t.idx + len(t.text) for t in trig.tokens)
        start, end = trig_start, trig_end
        for a in used:
            if sent.start <= a.start and a.end <= sent.end and not (a.remote and a.start < trig_start):
                start, end = min(start, a.start), max(end, a.end)
        for e in frame.phrase_ends:
            if e <= sent.end:
                end = max(end, e)
        for st in frame.phrase_starts:
            if sent.start <= st < start and start - st <= 120:
                start = st
        theme = trig.theme
        if theme is not None and sent.has(theme) and theme.i < trig.token.i and sent.has(theme.left_edge):
            start = min(start, theme.left_edge.idx)  # "a cease-fire struck ...", "the deal they signed"
        if 0 < place_end <= sent.end and place_end - end < 120:
            end = max(end, place_end)
        if end - start > MAX_QUOTE_CHARS:
            start = trig_start
            end = min(end, trig_start + MAX_QUOTE_CHARS)
        start, end = trim(self.text, start, end)
        if end <= start:
            start, end = trig_start, trig_end
        return start, end

    def _confidence(self, trig: Trigger, actor1: Arg | None, actor2: Arg | None, place_id: str | None,
                    used: list[Arg], context: list[str]) -> float:
        """The sense's (or the part of speech's) base confidence less the PENALTY of what the event lacks."""
        confidence = trig.sense.confidence
        if confidence is None:
            confidence = {"verb": self.lex.verb_confidence, "noun": self.lex.noun_confidence}.get(
                trig.kind, self.lex.adjective_confidence
            )
        if actor1 is None:
            confidence -= PENALTY["no_actor1"]
        if actor2 is None and place_id is None:
            confidence -= PENALTY["no_target"]
        if any(a.via_pronoun for a in used):
            confidence -= PENALTY["pronoun"]
        for f in context:
            confidence -= PENALTY[f]
        return round(min(0.95, max(0.05, confidence)), 2)

    def _codes(self, etype: str, mode: str | None, actor2_id: str | None) -> tuple[str | None, str | None]:
        """CAMEO root and ACLED event type of an event from the crosswalk; an ACLED battle against civilians is
        violence against civilians."""
        row = crosswalk_row(etype, mode)
        cameo = (row or {}).get("cameo_root") or None
        acled = (row or {}).get("acled_event_type") or None
        if etype == "ASSAULT" and acled == "Battles" and actor2_id is not None:
            if self._actor_type(actor2_id) == "civilians":
                acled = "Violence against civilians"
        return cameo, acled

    def run(self) -> list[Event]:
        events: list[Event] = []
        for s in self.ctx.sentences:
            span = self.doc.char_span(s.char_start, s.char_end, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            sent = Sent(s.index, s.char_start, s.char_end, list(span))
            accused: set[tuple[str | None, str | None]] = set()
            built = [(trig, self._build(trig, sent)) for trig in self._find_triggers(sent)]
            verb_tokens = {t.token.i for t, ev in built if t.kind == "verb" and ev is not None}
            kept: list[tuple[Trigger, Event]] = []
            for trig, ev in built:
                if ev is None:
                    continue
                if ev.actor1_id is None and (self._object_of_act(trig, verb_tokens) or self._description(trig)):
                    continue  # "endorsed an association agreement with X", "officials accused of X"
                kept.append((trig, ev))
                acc = self._accusation(trig, ev, sent)
                # one accusation per speaker and accused in a sentence ("X said five were killed in an air strike
                # by Y": the killing and the strike are one charge)
                if acc is not None and (acc.actor1_id, acc.actor2_id) not in accused:
                    accused.add((acc.actor1_id, acc.actor2_id))
                    events.append(acc)
            events.extend(self._merge_same_act(kept))
        return unique_events(events, self.article.article_id)


def extract_events(
    ctx: ArticleContext,
    actor_mentions: list[ActorMention],
    place_mentions: list[PlaceMention],
    date_mentions: list[DateMention],
    actors: dict[str, ActorInfo],
) -> list[Event]:
    """Events reported in one article, sorted by char_start (then char_end, event_type, event_id)."""
    if not ctx.text or not ctx.text.strip():
        return []
    return _ArticleExtractor(ctx, actor_mentions, place_mentions, date_mentions, actors).run()
