"""Step 1: the triggers of a sentence, and the conditions under which a sense of a trigger word applies."""

from __future__ import annotations

from pipeline.extract.attribution import speaker_is_doer
from pipeline.extract.events.lexicon import Sense
from pipeline.extract.events.morphology import any_lemmas, noun_keys, verb_lemmas
from pipeline.extract.events.records import NAME_ENTITY_TYPES, Sent, Trigger


class Triggers:
    """Finds triggers (a mixin of the article extractor)."""

    def _sense_for_verb(self, tok, lemmas: set[str]) -> tuple[Sense, object | None] | None:
        for lemma in sorted(lemmas):
            for sense in self.lex.verbs[lemma]:
                ok, theme = self._conditions_hold(tok, sense)
                if ok:
                    return sense, theme
        return None

    def _conditions_hold(self, tok, sense: Sense) -> tuple[bool, object | None]:
        children = list(tok.children)
        if sense.needs == "object" and not any(c.dep_ in ("dobj", "dative", "nsubjpass") for c in children):
            return False, None  # "assisted the army", not "assisted in planning"
        if sense.needs == "actor_object":
            # "helped Iran"; not "helped (to) plan the attack" or "it helps the community"
            objs = [c for c in children if c.dep_ in ("dobj", "dative", "nsubjpass")]
            if not any(self.m.actor_at(c) is not None and (c.pos_ != "PRON" or c.lower_ in self.lex.pronouns)
                       for c in objs):
                return False, None
        if sense.prt:
            found = any(c.lower_ in sense.prt and c.dep_ in ("prt", "advmod", "prep") for c in children)
            if not found:
                return False, None
        if sense.prep:
            preps = [c for c in children if c.dep_ in ("prep", "agent", "dative")]
            for c in children:
                if c.dep_ == "advmod":
                    preps.extend(g for g in c.children if g.dep_ == "prep")
            if not any(p.lower_ in sense.prep for p in preps):
                return False, None
        theme_tok = None
        if sense.theme:
            for cand in self._theme_candidates(tok):
                if set(noun_keys(cand, self.lex)) & sense.theme:
                    theme_tok = cand
                    break
            if theme_tok is None:
                return False, None
        if sense.comp:
            comps = [c for c in children if c.dep_ in ("xcomp", "ccomp", "advcl", "oprd")]
            if not any(any_lemmas(c, self.lex) & sense.comp for c in comps):
                return False, None
        if sense.clausal or sense.comp_type or sense.control or sense.comp_modal or sense.comp_negated is not None:
            comps = [c for c in children if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX")]
            if sense.control == "speaker":
                comps = [c for c in comps if speaker_is_doer(c, self._subject_child(c)[0], self.lex.pronouns)]
            elif sense.control:
                has_obj = any(c.dep_ in ("dobj", "dative") for c in children)
                comps = [c for c in comps if (has_obj or self._subject_child(c)[0] is not None)
                         == (sense.control == "object")]
            if sense.comp_modal:
                comps = [c for c in comps if any(a.dep_ == "aux" and a.lower_ in sense.comp_modal for a in c.children)]
            if sense.comp_negated is not None:
                comps = [c for c in comps if any(a.dep_ == "neg" for a in c.children) == sense.comp_negated]
            if sense.comp_type:
                comps = [c for c in comps if self._complement_type(c) in sense.comp_type]
            if not comps:
                return False, None
        return True, theme_tok

    def _complement_type(self, tok) -> str | None:
        """The event type a clausal complement's verb triggers ("pledged to *release*" -> RETREAT), if any."""
        if tok.dep_ in ("amod", "compound"):
            return None
        lemmas = verb_lemmas(tok, self.lex)
        found = self._sense_for_verb(tok, lemmas) if lemmas else None
        return found[0].event_type if found else None

    @staticmethod
    def _theme_candidates(tok) -> list:
        cands = []
        for c in tok.children:
            if c.dep_ in ("dobj", "nsubjpass", "nsubj", "attr", "oprd", "dative"):
                cands.append(c)
                cands.extend(c.conjuncts)
            elif c.dep_ in ("prep", "agent") and c.lower_ != "by":
                cands.extend(g for g in c.children if g.dep_ == "pobj")
                for g in c.children:  # complex prepositions: "out of patience", "because of"
                    if g.dep_ == "prep":
                        cands.extend(x for x in g.children if x.dep_ == "pobj")
        if tok.dep_ in ("acl", "relcl") and tok.head.pos_ in ("NOUN", "PROPN"):
            cands.append(tok.head)
        if tok.dep_ == "conj" and not any(c.dep_.startswith("nsubj") for c in tok.children):
            # a coordinated verb shares its head's subject: "were arrested and later released"
            cands.extend(c for c in tok.head.children if c.dep_ in ("nsubj", "nsubjpass"))
        return cands

    def _find_triggers(self, sent: Sent) -> list[Trigger]:
        triggers: list[Trigger] = []
        for tok in sent.tokens:
            if tok.is_space or tok.is_punct or not tok.text.strip():
                continue
            if self.m.actor_at(tok) is not None:
                continue  # words inside an actor's name ("Defense Ministry", "Rescue Committee")
            trig = self._verb_trigger(tok) or self._noun_trigger(tok) or self._adj_trigger(tok)
            if trig is not None:
                triggers.append(trig)
        # A nominal trigger that is the theme of a verb trigger of the same type is the same event
        # ("a cease-fire struck by Russia and Turkey", "signed an agreement").
        by_token = {t.token.i: t for t in triggers}
        triggers = [t for t in triggers if not (t.kind == "verb" and self._restates(t, by_token))]
        themes = {(t.theme.i, t.sense.event_type) for t in triggers if t.kind == "verb" and t.theme is not None}
        # A non-violent nominal trigger that selected the sense of a verb as its theme is what that act is about,
        # not an event of its own: "lifted the sanctions", "violated the truce", "offered talks", "promised aid".
        consumed = {t.theme.i for t in triggers if t.kind == "verb" and t.theme is not None}
        return [t for t in triggers if not (t.kind == "noun" and (
            (t.token.i, t.sense.event_type) in themes or (t.token.i in consumed and t.sense.event_type != "ASSAULT")))]

    def _description(self, trig: Trigger) -> bool:
        """Whether a verbal trigger of a statement type is a participle describing a noun, with nobody said to
        make the statement ("officials accused of playing a role"): a description, not a report of an event."""
        tok = trig.token
        return (trig.kind == "verb" and tok.dep_ == "acl" and tok.tag_ == "VBN"
                and trig.sense.event_type in self.lex.statement_types)

    @staticmethod
    def _object_of_act(trig: Trigger, verb_tokens: set[int]) -> bool:
        """Whether a non-violent nominal trigger is the direct object of a verb trigger ("endorsed the
        agreement", "rejected the deal"): without a doer of its own it is what that act is about."""
        if trig.kind != "noun" or trig.sense.event_type in ("ASSAULT", "DISPLACEMENT"):
            return False
        head = trig.token.head if trig.token.dep_ == "compound" else trig.token
        return head.dep_ == "dobj" and head.head.i in verb_tokens

    @staticmethod
    def _restates(t: Trigger, by_token: dict) -> bool:
        """Whether a verb trigger restates the act of the trigger it depends on: a purpose or infinitive clause
        of the same type without a subject of its own ("met ... to discuss", "talks to negotiate"), or the
        participle of a nominal trigger of the same type ("an attack targeting X")."""
        v = t.token
        head = by_token.get(v.head.i) if v.head != v else None
        if head is None or head.sense.event_type != t.sense.event_type:
            return False
        if t.sense.mode is not None and t.sense.mode != head.sense.mode:
            return False  # "forced to flee": the expulsion and the flight
        if v.dep_ == "acl":
            # not "the agreement reached by X", where the verb takes the noun as its theme (merged the other way)
            return head.kind == "noun" and (t.theme is None or t.theme.i != head.token.i)
        if v.dep_ in ("xcomp", "advcl"):  # not a clause of its own: "bombed a camp while targeting X"
            return not any(c.dep_.startswith("nsubj") or c.dep_ == "mark" for c in v.children)
        return False

    def _verb_trigger(self, tok) -> Trigger | None:
        if not (tok.pos_ == "VERB" or (tok.tag_.startswith("VB") and tok.pos_ != "AUX")):
            return None
        if tok.dep_ in ("amod", "compound"):
            return None  # "displaced people", "the besieged city": descriptions, not new events
        lemmas = verb_lemmas(tok, self.lex)
        if not lemmas:
            return None
        found = self._sense_for_verb(tok, lemmas)
        if found is None:
            return None
        sense, theme = found
        words = [tok]
        # hyphenated prefix written apart by the tokenizer: "co - sponsored"
        if tok.i >= 2 and self.doc[tok.i - 1].text == "-" and self.doc[tok.i - 2].is_alpha:
            words = [self.doc[tok.i - 2], self.doc[tok.i - 1], tok]
        for c in tok.children:
            if c.dep_ == "prt" and (not sense.prt or c.lower_ in sense.prt):
                words.append(c)
        return Trigger(tok, sense, "verb", tuple(sorted(words, key=lambda t: t.i)), theme)

    def _noun_trigger(self, tok) -> Trigger | None:
        nominal = tok.pos_ in ("NOUN", "PROPN") or tok.tag_ in ("NN", "NNS") or (
            tok.tag_ == "VBG" and tok.dep_ in ("pobj", "dobj", "nsubj", "nsubjpass", "conj")  # "the shelling"
        )
        if not nominal:
            return None
        if tok.ent_type_ in NAME_ENTITY_TYPES:
            # inside a multi-word entity: tok continues one (IOB "I") or the next token does; read from the
            # IOB tags rather than doc.ents, which builds every entity span of the document on each call
            nxt = tok.i + 1
            if tok.ent_iob_ == "I" or (nxt < len(tok.doc) and tok.doc[nxt].ent_iob_ == "I"):
                return None  # part of a multi-word name ("Violet Organisation", "Rescue Committee")
        if tok.dep_ == "compound" and tok.head.lower_ not in self.lex.compound_heads_ok:
            return None  # "aid worker", "rescue team"
        keys = noun_keys(tok, self.lex)
        for key in keys:
            senses = self.lex.nouns.get(key)
            if not senses:
                continue
            sense = senses[0]
            if sense.counted and not self._is_counted(tok):
                continue
            words = [tok]
            if " " in key or "-" in key:
                n_words = len(key.replace("-", " - ").split())
                words = list(self.doc[max(0, tok.i - n_words + 1) : tok.i + 1])
            if tok.dep_ == "compound" and tok.head.i > tok.i:
                words.extend(self.doc[tok.i + 1 : tok.head.i + 1])  # "bombing campaign"
            return Trigger(tok, sense, "noun", tuple(words))
        return None

    def _is_counted(self, tok) -> bool:
        """Whether a noun carries a number ("20,000 displaced people") or heads the "of" phrase of a quantity
        ("thousands of displaced persons")."""
        if any(c.dep_ == "nummod" or c.like_num for c in tok.children if c.i < tok.i):
            return True
        if tok.dep_ == "pobj" and tok.head.lower_ == "of":
            q = tok.head.head
            return q.lower_ in self.lex.quantity_heads or q.pos_ == "NUM" or q.like_num
        return False

    def _adj_trigger(self, tok) -> Trigger | None:
        if tok.pos_ != "ADJ":
            return None
        senses = self.lex.adjectives.get(tok.lower_)
        if not senses:
            return None
        sense = senses[0]
        if sense.needs:
            if not any(c.dep_ == "prep" and c.lower_ == sense.needs for c in tok.children):
                return None
        return Trigger(tok, sense, "adj", (tok,))
