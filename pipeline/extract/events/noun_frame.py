"""The arguments of a nominal trigger: the `noun.actor1` rules of `pipeline/lexicons/event_arguments.yaml` (one
`_noun_actor1_<rule>` method each), an undergoer frame, the noun's prepositions, a participle of the same act, and
the light verb that carries it ("launched an offensive")."""

from __future__ import annotations

from pipeline.extract.events.morphology import any_lemmas, verb_lemma_candidates
from pipeline.extract.events.records import Arg, Frame, Roles, Sent, Trigger, core_end, predicate_end


class NounFrames:
    """Reads the arguments of a nominal trigger (a mixin of the article extractor)."""

    def _noun_frame(self, trig: Trigger, sent: Sent) -> Frame:
        n = trig.token
        head_noun = n.head if n.dep_ == "compound" else n
        r = Roles([], [], [])
        for rule in self.lex.argument_rules["noun.actor1"]:
            if r.actor1:
                break
            getattr(self, f"_noun_actor1_{rule}")(trig, head_noun, sent, r)
        target_preps = self.lex.object_preps
        undergoer = self._noun_undergoer(n, head_noun, sent, r)
        if undergoer is not None:
            target_preps = target_preps - self.lex.doer_preps
        if trig.sense.event_type == "DISPLACEMENT":
            target_preps = target_preps - self.lex.directional_preps
            for c in n.children:  # "an exodus of civilians"
                if c.dep_ == "prep" and c.lower_ == "of":
                    pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                    if pobj is not None:
                        r.actor2 = self._np_actors(pobj, sent)
                        r.ends.append(core_end(pobj))
        self._noun_preps(n, sent, target_preps, r)
        self._noun_participle(trig, sent, target_preps, r)
        if not r.actor2:
            for c in n.children:  # "demands by Syrians that Turkey do more"
                if c.dep_ in ("acl", "ccomp") and c.pos_ in ("VERB", "AUX"):
                    s2, _ = self._subject_child(c)
                    if s2 is not None and s2.pos_ != "PRON":
                        r.actor2 = self._np_actors(s2, sent)
                        if r.actor2:
                            r.ends.append(predicate_end(c))
                            break

        anchor = n
        roots = [n]
        if undergoer is not None:
            anchor = undergoer
            roots = [n, undergoer]
        else:
            governor = self._noun_light_verb(n, head_noun, sent, target_preps, r)
            if governor is not None:
                anchor = governor
                roots = [n, governor]
        r.ends.append(core_end(n))
        assoc = self._assoc(n, sent) + (self._assoc(anchor, sent) if anchor != n else [])
        # the noun phrase's own modifiers belong to the words of the event ("a January 12 ceasefire")
        return Frame(r.actor1, r.actor2, assoc, anchor, roots, r.ends, [head_noun.left_edge.idx], r.flags)

    # ------------------------------------------------------------ noun.actor1 rules (fill r.actor1)

    def _noun_actor1_possessor(self, trig: Trigger, head_noun, sent: Sent, r: Roles) -> None:
        """ "Russia's offensive"."""
        for c in head_noun.children:
            if c.dep_ == "poss":
                a = self._np_actor(c, sent)
                if a is not None:
                    r.actor1 = [a]

    def _noun_actor1_modifier_name(self, trig: Trigger, head_noun, sent: Sent, r: Roles) -> None:
        """ "a Russian offensive", "Hamas attacks": an actor mention modifying the noun."""
        n = trig.token
        for c in list(head_noun.children) + list(n.children if n != head_noun else []):
            if c.dep_ in ("amod", "compound", "nmod") and c.i < n.i:
                cm = self.m.actor_at(c)
                if cm is not None:
                    r.actor1 = [self._mention_arg(cm, c)]
                    break

    def _noun_actor1_modifier_doer(self, trig: Trigger, head_noun, sent: Sent, r: Roles) -> None:
        """ "Israeli tank shelling", "Saudi-led coalition air raids": the actor named before the attack does it."""
        if trig.sense.event_type == "ASSAULT":
            r.actor1 = self._modifier_doers(min(trig.tokens, key=lambda t: t.i), sent)

    def _noun_actor1_means_of_act(self, trig: Trigger, head_noun, sent: Sent, r: Roles) -> None:
        """The means of an act share its doer: "kills civilians by attacks from ..." (`means_preps`)."""
        if head_noun.dep_ == "pobj" and head_noun.head.dep_ == "prep" and \
                head_noun.head.lower_ in self.lex.means_preps and head_noun.head.head.pos_ == "VERB":
            verb = head_noun.head.head
            s_tok, passive = self._subject_child(verb)
            if s_tok is not None and not passive:
                r.actor1 = self._np_actors(s_tok, sent)
            elif s_tok is None:
                r.actor1 = self._inherited_subject(verb, sent)

    def _noun_actor1_engaged_in(self, trig: Trigger, head_noun, sent: Sent, r: Roles) -> None:
        """ "rebels engaged peacekeepers in a firefight" (`engaging_verbs`): the verb's subject and object."""
        if head_noun.dep_ == "pobj" and head_noun.head.lower_ in ("in", "into") and \
                head_noun.head.head.pos_ == "VERB" and \
                verb_lemma_candidates(head_noun.head.head.lower_) & self.lex.engaging_verbs:
            verb = head_noun.head.head
            s_tok, passive = self._subject_child(verb)
            obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
            if s_tok is not None and not passive:
                r.actor1 = self._np_actors(s_tok, sent)
            elif passive:
                by = self._by_object(verb)
                r.actor1 = self._np_actors(by, sent) if by is not None else []
                obj = s_tok
            if obj is not None:
                r.actor2 = self._np_actors(obj, sent)

    def _noun_actor1_claimed_responsibility(self, trig: Trigger, head_noun, sent: Sent, r: Roles) -> None:
        """ "X claimed responsibility for the attack": X's own claim that it did it (flagged claimed)."""
        claimant = self._responsibility_claimant(head_noun, sent)
        if claimant:
            r.actor1, r.flags = claimant, ("claimed",)

    # ------------------------------------------------------------ the rest of the frame

    def _noun_undergoer(self, n, head_noun, sent: Sent, r: Roles):
        """ "Obama faces pressure from Congress", "the town came under attack by rebels": the governing verb's
        subject undergoes the act, the "from"/"by" phrase does it; without a named doer ("civilians face
        shelling") the sentence describes a plight, read as before. Returns the governing verb or None."""
        undergoer = self._undergoer_governor(head_noun)
        doers: list[Arg] = []
        if undergoer is not None:
            for c in [*n.children, *undergoer.children]:
                if not doers and c.dep_ in ("prep", "agent") and c.lower_ in self.lex.doer_preps:
                    pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                    if pobj is not None:
                        doers = self._np_actors(pobj, sent)
                        if doers:
                            r.ends.append(core_end(pobj))
            if not doers:
                undergoer = None
        if undergoer is not None:
            if not r.actor1:
                r.actor1 = doers
            s_tok, passive = self._subject_child(undergoer)
            if s_tok is not None and not passive:
                r.actor2 = self._np_actors(s_tok, sent)
            elif s_tok is None:
                r.actor2 = self._inherited_subject(undergoer, sent)
        return undergoer

    def _noun_preps(self, n, sent: Sent, target_preps, r: Roles) -> None:
        """ "an attack by X", "clashes between X and Y", "an assault on X"."""
        for c in n.children:
            if c.dep_ not in ("prep", "agent"):
                continue
            pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if pobj is None:
                continue
            p = c.lower_
            if p == "by" and not r.actor1:
                r.actor1 = self._np_actors(pobj, sent)
                r.ends.append(core_end(pobj))
            elif p == "between":
                args = self._np_actors(pobj, sent)
                if args:
                    r.actor1, r.actor2 = args[:1], args[1:2]
                    r.ends.append(core_end(pobj))
            elif p in target_preps and not r.actor2:
                args = self._np_actors(pobj, sent)
                if args:
                    r.actor2 = args
                    r.ends.append(core_end(pobj))

    def _noun_participle(self, trig: Trigger, sent: Sent, target_preps, r: Roles) -> None:
        """ "an attack targeting X", "bombardment shelling by Y": a participle of the same act."""
        for c in trig.token.children:
            if c.dep_ == "acl" and c.pos_ == "VERB" and self._same_type_verb(c, trig.sense.event_type):
                by = self._by_object(c)
                if not r.actor1 and by is not None:
                    r.actor1 = self._np_actors(by, sent)
                    if r.actor1:
                        r.ends.append(core_end(by))
                for d in c.children if not r.actor2 else ():
                    if d.dep_ == "prep" and d.lower_ in target_preps - self.lex.doer_preps:
                        d = next((g for g in d.children if g.dep_ == "pobj"), None)  # "targeted at X"
                    elif d.dep_ not in ("dobj", "dative"):
                        continue
                    r.actor2 = self._np_actors(d, sent) if d is not None else []
                    if r.actor2:
                        r.ends.append(core_end(d))
                        break

    def _noun_light_verb(self, n, head_noun, sent: Sent, target_preps, r: Roles):
        """The light verb whose object the noun is ("launched an offensive", `light_verbs`): it carries the
        clause, and gives the doer and a target the noun lacks. Returns the verb or None."""
        governor = head_noun.head
        if not (head_noun.dep_ in ("dobj", "nsubjpass", "attr", "oprd") or (
            head_noun.dep_ == "conj" and head_noun.head.dep_ in ("dobj", "nsubjpass")
        )):
            return None
        if head_noun.dep_ == "conj":
            governor = head_noun.head.head
        if not (any_lemmas(governor, self.lex) & self.lex.light_verbs and governor.pos_ in ("VERB", "AUX")):
            return None
        if not r.actor1:
            s, passive = self._subject_child(governor)
            if s is not None and not passive:
                r.actor1 = self._np_actors(s, sent)
            elif passive:
                by = self._by_object(governor)
                r.actor1 = self._np_actors(by, sent) if by is not None else []
            else:
                r.actor1 = self._inherited_subject(governor, sent)
        if not r.actor2:  # "issued arrest warrants for X", "signed an agreement with X"
            for c in governor.children:
                if c.dep_ == "prep" and c.i > head_noun.i and c.lower_ in target_preps - self.lex.doer_preps:
                    pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                    args = self._np_actors(pobj, sent) if pobj is not None else []
                    if args:
                        r.actor2 = args
                        r.ends.append(core_end(pobj))
                        break
        return governor
