"""The arguments of a verb trigger: subject side, object side, and the `verb.actor2` rules of
`pipeline/lexicons/event_arguments.yaml` (one `_verb_actor2_<rule>` method each)."""

from __future__ import annotations

from pipeline.extract.events.morphology import any_lemmas
from pipeline.extract.events.records import Arg, Frame, Roles, Sent, Trigger, core_end, predicate_end


class VerbFrames:
    """Reads the arguments of a verb trigger (a mixin of the article extractor)."""

    def _verb_frame(self, trig: Trigger, sent: Sent) -> Frame:
        v = trig.token
        sense = trig.sense
        subj = None
        passive = False
        for t in trig.tokens:
            subj, passive = self._subject_child(t)
            if subj is not None:
                break
        by = self._by_object(v)
        dobjs = [c for c in v.children if c.dep_ in ("dobj", "dative")]
        r = Roles([], [], [])
        subj_args = self._np_actors(subj, sent) if subj is not None else []
        for extra in self._listed_subjects(subj):
            subj_args += [a for a in self._np_actors(extra, sent) if a.actor_id not in {x.actor_id for x in subj_args}]
        by_args = self._np_actors(by, sent) if by is not None else []
        self._verb_subject_roles(trig, sent, subj, passive, subj_args, by_args, r)
        self._verb_cause_doer(trig, sent, subj, passive, r)
        self._verb_undergoer(trig, sent, dobjs, by_args, r)

        for d in dobjs:
            args = self._np_actors(d, sent)
            r.ends.append(core_end(d))
            if args:
                r.actor2.extend(a for a in args if a.actor_id not in {x.actor_id for x in r.actor2})
        target_preps = self.lex.object_preps
        if sense.event_type == "DISPLACEMENT":
            target_preps = target_preps - self.lex.directional_preps
        for rule in self.lex.argument_rules["verb.actor2"]:
            if r.actor2:
                break
            found, ends = getattr(self, f"_verb_actor2_{rule}")(trig, sent, dobjs, target_preps)
            if found:
                r.actor2 = found
                r.ends.extend(ends)
        self._verb_phrase_ends(trig, sent, r.ends)
        if subj is not None and not subj_args and subj.pos_ in ("NOUN", "PROPN", "NUM") and subj.i < v.i:
            phrase_starts = [subj.left_edge.idx]  # "more than 129,000 people were displaced"
        elif subj is not None and subj_args and subj.pos_ == "NOUN" and subj.i < v.i and self.m.actor_at(subj) is None:
            phrase_starts = [subj.left_edge.idx]  # "the foreign ministers of Russia and Iran met"
        else:
            phrase_starts = []

        assoc = self._assoc(v, sent)
        return Frame(r.actor1, r.actor2, assoc, v, [v], r.ends, phrase_starts)

    def _verb_subject_roles(self, trig: Trigger, sent: Sent, subj, passive: bool, subj_args: list[Arg],
                            by_args: list[Arg], r: Roles) -> None:
        """actor1 and actor2 from the subject, the "by" agent, or the subject the verb inherits."""
        v = trig.token
        if by_args and (passive or v.tag_ == "VBN" or not subj_args or (subj is not None and subj == trig.theme)):
            r.actor1 = by_args
            if subj_args:
                r.actor2 = subj_args
            elif subj is None and v.dep_ == "acl" and v.head.pos_ in ("NOUN", "PROPN"):
                r.actor2 = self._np_actors(v.head, sent)  # "Syrian forces backed by Russian air power"
        elif passive:
            r.actor2 = subj_args
        elif subj is not None:
            r.actor1 = subj_args
        elif any(c.dep_ == "auxpass" for c in v.children):
            r.actor2 = self._inherited_subject(v, sent)  # "people are estimated to have been displaced"
        else:
            r.actor1 = self._inherited_subject(v, sent)
            if not r.actor1 and v.dep_ == "acl" and v.tag_ == "VBN":
                r.actor2 = self._np_actors(v.head, sent)  # "forces backed by Russia": the forces are backed

    def _verb_cause_doer(self, trig: Trigger, sent: Sent, subj, passive: bool, r: Roles) -> None:
        """The doer of an act of violence from the attack it happened in or through."""
        v = trig.token
        if not r.actor1 and trig.sense.event_type == "ASSAULT":
            # "were killed in an Israeli air strike", "a bombing that X claimed killed 20": the attack's doer
            r.actor1, attack = self._cause_doers(v, subj if not passive else None, sent)
            if r.actor1 and attack is not None and attack.i > v.i:
                r.ends.append(attack.idx + len(attack.text))  # "killed in an Israeli air strike"
        if not r.actor1 and trig.sense.event_type == "ASSAULT" and subj is None and self._is_assault_noun(v):
            # a nominal attack the parser read as a verb ("killed in Israeli tank shelling" parsed as
            # "in [Israeli tank]" + "shelling"): the actor named before it does it
            r.actor1 = self._modifier_doers(min(trig.tokens, key=lambda t: t.i), sent)

    def _verb_undergoer(self, trig: Trigger, sent: Sent, dobjs: list, by_args: list[Arg], r: Roles) -> None:
        """A sense whose subject undergoes the act (`undergoer_subject`): the giver "from X" does it."""
        v = trig.token
        undergoer = trig.sense.undergoer_subject
        if undergoer == "always" or (undergoer == "intransitive" and not dobjs):
            if r.actor1 and not by_args:
                r.actor2, r.actor1 = r.actor1, []
            if not r.actor1:  # "received weapons from the government": the giver does it
                for c in [*v.children, *(g for d in dobjs for g in d.children)]:
                    if c.dep_ == "prep" and c.lower_ == "from":
                        pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                        r.actor1 = self._np_actors(pobj, sent) if pobj is not None else []
                        if r.actor1:
                            r.ends.append(core_end(pobj))
                            break

    def _verb_phrase_ends(self, trig: Trigger, sent: Sent, phrase_ends: list[int]) -> None:
        """Where the words of the event end: condition prepositions, the theme, the clausal complement."""
        v = trig.token
        sense = trig.sense
        for c in v.children:  # condition prepositions close the phrase ("advance into X")
            if c.dep_ == "prep" and c.lower_ in sense.prep:
                phrase_ends.append(core_end(c))
        if trig.theme is not None and sent.has(trig.theme):
            phrase_ends.append(core_end(trig.theme))
        if sense.clausal or sense.control == "speaker":
            for c in v.children:
                if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX"):
                    phrase_ends.append(predicate_end(c))  # "warned that it would retaliate"
                    break
        if sense.comp:
            for c in v.children:
                if c.dep_ in ("xcomp", "ccomp", "advcl", "oprd") and any_lemmas(c, self.lex) & sense.comp:
                    phrase_ends.append(predicate_end(c))  # "forcing the civilians to leave their homes"

    # ------------------------------------------------------------ verb.actor2 rules: (actors, phrase ends)

    def _verb_actor2_object_prep(self, trig: Trigger, sent: Sent, dobjs: list, target_preps) -> tuple[list[Arg], list[int]]:
        """ "attacked positions *on* X": a target preposition of the verb."""
        for c in trig.token.children:
            if c.dep_ in ("prep", "dative") and c.lower_ in target_preps:
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    args = self._np_actors(pobj, sent)
                    if args:
                        return args, [core_end(pobj)]
        return [], []

    def _verb_actor2_object_of_object(self, trig: Trigger, sent: Sent, dobjs: list, target_preps) -> tuple[list[Arg], list[int]]:
        """ "imposed sanctions on Damascus", "launched attacks against X": a target preposition of the object."""
        for d in dobjs + ([trig.theme] if trig.theme is not None else []):
            for c in d.children:
                if c.dep_ == "prep" and c.lower_ in target_preps:
                    pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                    args = self._np_actors(pobj, sent) if pobj is not None else []
                    if args:
                        return args, [core_end(pobj)]
        return [], []

    def _verb_actor2_announced_act(self, trig: Trigger, sent: Sent, dobjs: list, target_preps) -> tuple[list[Arg], list[int]]:
        """A statement of intent takes the target of the act it announces: "said it would send aid to X",
        "vowed to help Iraq rebuild its army"."""
        if not trig.sense.comp_type:
            return [], []
        for c in trig.token.children:
            if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX") and sent.has(c):
                comp = self._verb_trigger(c)
                if comp is not None and comp.sense.event_type in trig.sense.comp_type:
                    cf = self._verb_frame(comp, sent)
                    if cf.actor2:
                        return cf.actor2, cf.phrase_ends
        return [], []

    def _verb_actor2_between(self, trig: Trigger, sent: Sent, dobjs: list, target_preps) -> tuple[list[Arg], list[int]]:
        """ "mediate between X and Y", "fighting between X and Y"."""
        for c in trig.token.children:
            if c.dep_ == "prep" and c.lower_ == "between":
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                found = self._np_actors(pobj, sent) if pobj is not None else []
                if found:
                    return found, [core_end(pobj)]
        return [], []

    def _verb_actor2_complement_object(self, trig: Trigger, sent: Sent, dobjs: list, target_preps) -> tuple[list[Arg], list[int]]:
        """ "threatened to retaliate against X", "agreed to cooperate with X"; for a statement of intent also a
        reported clause: "said it would send aid to X". The last complement that names one wins."""
        actor2: list[Arg] = []
        ends: list[int] = []
        comp_deps = ("xcomp", "ccomp") if trig.sense.comp_type else ("xcomp",)
        for c in trig.token.children:
            if c.dep_ in comp_deps and c.pos_ in ("VERB", "AUX"):
                for g in c.children:
                    if g.dep_ == "dative" and any(x.dep_ == "pobj" for x in g.children):
                        pobj = next(x for x in g.children if x.dep_ == "pobj")  # "provide support to X"
                    elif g.dep_ in ("dobj", "dative"):
                        pobj = g
                    elif g.dep_ == "prep" and g.lower_ in target_preps:
                        pobj = next((x for x in g.children if x.dep_ == "pobj"), None)
                    else:
                        continue
                    args = self._np_actors(pobj, sent) if pobj is not None else []
                    if args:
                        actor2 = args
                        ends.append(core_end(pobj))
                        break
        return actor2, ends

    def _verb_actor2_complement_subject(self, trig: Trigger, sent: Sent, dobjs: list, target_preps) -> tuple[list[Arg], list[int]]:
        """ "demanded that Russia stop", "warned Ankara that ..."."""
        for c in trig.token.children:
            if c.dep_ in ("ccomp", "xcomp"):
                s2, _ = self._subject_child(c)
                if s2 is not None and s2.pos_ != "PRON":
                    found = self._np_actors(s2, sent)
                    if found:
                        return found, [predicate_end(c)]
        return [], []
