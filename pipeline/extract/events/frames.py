"""Step 2, shared by the frames: an adjective trigger's frame, associated actors, the doer of the attack an act
happened in, responsibility claims and undergoer verbs (verb and noun frames: `verb_frame`, `noun_frame`)."""

from __future__ import annotations

import dataclasses

from pipeline.extract.events.morphology import any_lemmas, verb_lemmas
from pipeline.extract.events.records import CLAUSE_BOUNDARY_DEPS, Arg, Frame, Sent, Trigger, core_end


class Frames:
    """Reads the arguments of a trigger (a mixin of the article extractor)."""

    def _responsibility_claimant(self, head_noun, sent: Sent) -> list[Arg]:
        """Who claims (`responsibility_verbs`) responsibility (`responsibility_nouns`) for a nominal trigger:
        "al-Shabab claimed responsibility for the attack" -> al-Shabab."""
        lex = self.lex
        prep = head_noun.head
        if head_noun.dep_ != "pobj" or prep.lower_ != "for" or prep.head == prep:
            return []
        noun = prep.head
        if noun.lower_ not in lex.responsibility_nouns or noun.dep_ != "dobj":
            return []
        verb = noun.head
        if not (any_lemmas(verb, lex) & lex.responsibility_verbs):
            return []
        s_tok, passive = self._subject_child(verb)
        if s_tok is not None and not passive:
            return self._np_actors(s_tok, sent)
        return self._inherited_subject(verb, sent) if s_tok is None else []

    def _cause_doers(self, v, subj, sent: Sent) -> tuple[list[Arg], object | None]:
        """The doers of the nominal ASSAULT trigger an act of violence happened in or through: after a
        `cause_preps` preposition of verb `v` ("killed in an air strike by government forces"), or its active
        subject, directly or through a relative pronoun ("a suicide bombing that killed 20", where the bombing's
        doer is known from "X claimed responsibility for ..."); none for fighting between two sides ("killed
        in clashes between X and Y"). Returns the doers and the attack's head word (None without one)."""
        nouns = []
        if subj is not None:
            if subj.lower_ in self.lex.relative_pronouns and v.dep_ == "relcl":
                subj = v.head
            nouns.append(subj)
        for c in v.children:
            if c.dep_ == "prep" and c.lower_ in self.lex.cause_preps:
                nouns.extend(g for g in c.children if g.dep_ == "pobj")
        for pobj in nouns:
            trig = self._noun_trigger(pobj) if sent.has(pobj) else None
            nxt = self.doc[pobj.i + 1] if pobj.i + 1 < len(self.doc) else None
            if trig is None and nxt is not None and sent.has(nxt) and pobj.pos_ == "NOUN" and pobj.whitespace_ \
                    and self._is_assault_noun(nxt):
                # "killed in Israeli tank shelling" parsed as "in [Israeli tank]" + a verb "shelling"
                return [dataclasses.replace(a, remote=True) for a in self._modifier_doers(nxt, sent)], nxt
            if trig is None or trig.sense.event_type != "ASSAULT":
                continue
            if any(g.dep_ == "prep" and g.lower_ == "between" for g in pobj.children):
                return [], None
            return [dataclasses.replace(a, remote=True) for a in self._noun_frame(trig, sent).actor1], pobj
        return [], None

    def _undergoer_governor(self, head_noun):
        """The verb whose subject undergoes a nominal trigger: "faces pressure" (`undergoer_light_verbs`), "came
        under attack" (`undergoer_preps`); None otherwise."""
        lex = self.lex
        gov = head_noun.head
        if head_noun.dep_ == "dobj" and gov.pos_ in ("VERB", "AUX") and any_lemmas(gov, lex) & lex.undergoer_light_verbs:
            return gov
        if head_noun.dep_ == "pobj" and gov.dep_ == "prep" and gov.head.pos_ in ("VERB", "AUX"):
            verb = gov.head
            if any(gov.lower_ in lex.undergoer_preps.get(lemma, ()) for lemma in any_lemmas(verb, lex)):
                return verb
        return None

    def _same_type_verb(self, tok, event_type: str) -> bool:
        """Whether a verb is a trigger of the event lexicon with a reading of this type in its context."""
        lemmas = verb_lemmas(tok, self.lex)
        found = self._sense_for_verb(tok, lemmas) if lemmas else None
        return found is not None and found[0].event_type == event_type

    def _adj_frame(self, trig: Trigger, sent: Sent) -> Frame:
        a = trig.token
        head = a.head if a.dep_ in ("acomp", "attr") else a
        subj, _ = self._subject_child(head)
        actor1 = self._np_actors(subj, sent) if subj is not None else []
        actor2: list[Arg] = []
        ends: list[int] = []
        for c in a.children:
            if c.dep_ == "prep" and c.lower_ in self.lex.object_preps:
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    actor2 = self._np_actors(pobj, sent)
                    ends.append(core_end(pobj))
                    if actor2:
                        break
        return Frame(actor1, actor2, [], head, [a, head], ends)

    def _assoc(self, tok, sent: Sent) -> list[Arg]:
        """Actors associated through "alongside X" or "backed by X" in the trigger's clause or its subject's
        phrase."""
        out: list[Arg] = []
        roots = [tok]
        subj, _ = self._subject_child(tok)
        if subj is not None:
            roots.append(subj)
        for t in self._bfs(roots, sent, CLAUSE_BOUNDARY_DEPS):
            if t.dep_ == "prep" and t.lower_ in self.lex.assoc_preps:
                pobj = next((g for g in t.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    out.extend(self._np_actors(pobj, sent))
            elif t.dep_ == "acl" and t.i != tok.i and t.lower_ in ("backed", "supported", "aided", "assisted"):
                by = self._by_object(t)
                if by is not None:
                    out.extend(self._np_actors(by, sent))
        return out
