"""Step 2, the actors: which actor a noun phrase or a pronoun stands for, and a clause's subject."""

from __future__ import annotations

import dataclasses

from pipeline.extract.events.morphology import HYPHENS, LIST_GAP_RE, any_lemmas, noun_keys
from pipeline.extract.events.records import Arg, Sent
from pipeline.extract.types import ActorMention


class Arguments:
    """Maps tokens to actor arguments (a mixin of the article extractor)."""

    def _actor_type(self, actor_id: str) -> str | None:
        info = self.actors.get(actor_id)
        return info.actor_type if info else None

    def _mention_arg(self, mention: ActorMention, tok, via_pronoun: bool = False) -> Arg:
        return Arg(mention.actor_id, mention.char_start, mention.char_end, tok.i, via_pronoun)

    def _np_actor(self, tok, sent: Sent, depth: int = 0) -> Arg | None:
        """The actor a noun phrase headed by `tok` stands for (the first one, for a pronoun standing for several)."""
        found = self._np_actors_at(tok, sent, depth)
        return found[0] if found else None

    def _np_actors_at(self, tok, sent: Sent, depth: int = 0) -> list[Arg]:
        if tok is None or depth > 3 or not sent.has(tok):
            return []
        lw = tok.lower_
        if tok.pos_ == "PRON" or lw in self.lex.pronouns or lw in self.lex.relative_pronouns:
            m = self.m.actor_at(tok) if lw not in self.lex.relative_pronouns else None
            if m is not None:  # the actor extractor resolved this pronoun already
                return [self._mention_arg(m, tok, via_pronoun=True)]
            return self._resolve_pronoun(tok, sent, depth)
        m = self.m.actor_at(tok)
        if m is not None:
            return [self._mention_arg(m, tok)]
        for c in tok.children:
            if c.dep_ in ("poss", "compound", "amod", "nmod") and sent.has(c):
                if c.dep_ == "poss":
                    found = self._np_actors_at(c, sent, depth + 1)[:1]
                else:
                    cm = self.m.actor_at(c)
                    found = [self._mention_arg(cm, c)] if cm is not None else []
                if found:
                    return found
        for c in tok.children:
            if c.dep_ in ("prep", "agent") and (
                c.lower_ == "by"
                or (c.lower_ == "of" and (lw in self.lex.agentive_heads or lw in self.lex.quantity_heads
                                          or tok.pos_ == "NUM"))
            ):
                for g in c.children:
                    if g.dep_ == "pobj":
                        found = self._np_actors(g, sent, depth + 1)
                        if found:
                            return found
        # an apposition "a member / leader / unit of X" of a common noun names the same one: "the mayor, a member
        # of the X movement" (not names or things in a list parsed as appositions: "Mordor, the Shire and Bree")
        for c in tok.children:
            if c.dep_ == "appos" and c.i > tok.i and tok.pos_ == c.pos_ == "NOUN" and sent.has(c) and any(
                    g.dep_ == "prep" and g.lower_ == "of" for g in c.children):
                found = self._np_actors_at(c, sent, depth + 1)
                if found:
                    return found
        if lw in self.lex.plural_anaphors and any(
            c.lower_ in ("the", "both", "two") for c in tok.children if c.dep_ in ("det", "nummod", "predet")
        ):
            return self._recent_actors(tok, sent, 2)
        return []

    def _np_actors(self, tok, sent: Sent, depth: int = 0) -> list[Arg]:
        """The actors of a noun phrase and of its conjuncts ("Russia and Turkey", "Russia, which ...")."""
        out: list[Arg] = []
        if tok is None:
            return out
        members = [tok, *tok.conjuncts]
        m = self.m.actor_at(tok)
        if m is not None:
            # a name the parser split ("Barack/nsubj Obama/pobj and Vladimir Putin"): the conjuncts hang from
            # another token of the same mention
            for t in self.doc.char_span(m.char_start, m.char_end, alignment_mode="expand") or ():
                if t.i != tok.i:
                    members += [c for c in t.conjuncts if c.i > t.i and not m.char_start <= c.idx < m.char_end]
        if tok.ent_type_ == "GPE":  # "The US, Russia, and Switzerland": a list of countries parsed as apposition
            for c in tok.children:
                if c.dep_ == "appos" and c.ent_type_ == "GPE":
                    members += [c, *c.conjuncts]
        for t in members:
            if t.i < tok.i:
                continue
            for a in [*self._coordinated_modifiers(t, sent), *self._np_actors_at(t, sent, depth)]:
                if all(a.actor_id != o.actor_id for o in out):
                    out.append(a)
        return out

    def _coordinated_modifiers(self, tok, sent: Sent) -> list[Arg]:
        """The actors of nationality words coordinated with the one in a noun's own mention ("US and British
        activists", "US, British and French warplanes": the mention of "British activists" covers the noun,
        "US" has a mention of its own), in text order; [] when the noun has no such modifiers. The modifiers are
        the noun's left modifiers and their conjuncts, each separated from the next by a comma and/or a
        conjunction only (the parser attaches such lists in several ways)."""
        head = self.m.actor_at(tok)
        if head is None:
            return []
        mods: dict[tuple[int, str], tuple[ActorMention, object]] = {}
        for c in tok.lefts:
            if c.dep_ not in ("amod", "nmod", "compound") or not sent.has(c):
                continue
            for t in (c, *c.conjuncts):
                cm = self.m.actor_at(t)
                if cm is not None and cm.char_end <= head.char_start and sent.has(t):
                    mods.setdefault((cm.char_start, cm.actor_id), (cm, t))
        out: list[Arg] = []
        left = head.char_start
        for _, (cm, t) in sorted(mods.items(), reverse=True):
            if not LIST_GAP_RE.fullmatch(self.text[cm.char_end:left]):
                break
            out.append(self._mention_arg(cm, t))
            left = cm.char_start
        return [a for a in reversed(out) if a.actor_id != head.actor_id]

    def _modifier_doers(self, first, sent: Sent) -> list[Arg]:
        """The actor named by the words right before a nominal attack, read on the surface so that a parse that
        split the phrase does not lose it: "Israeli tank shelling", "a US drone strike", "Saudi-led coalition
        air raids" -> the actor of "Israeli" / "US" / "Saudi-led coalition" (the actor extractor resolves a
        nationality there to that country's armed forces). `first` is the attack's first word. The walk takes
        adjectives, nouns, names and hyphens (and a participle after a hyphen: "-led") back to a determiner, a
        number, a possessive or a clause word; an actor after an `opposing_prefixes` word ("anti-ISIS strikes")
        is the target, not the doer."""
        doc = self.doc
        j = first.i - 1
        steps = 0
        while j >= 0 and sent.has(doc[j]) and steps < 6:
            t = doc[j]
            if t.text in HYPHENS and not t.whitespace_ and j > 0 and not doc[j - 1].whitespace_:
                pass
            elif t.pos_ in ("ADJ", "NOUN", "PROPN") and not t.is_punct and t.dep_ != "poss":
                pass
            elif t.tag_ == "VBN" and j > 0 and doc[j - 1].text in HYPHENS:
                pass  # "Saudi-led"
            else:
                break
            m = self.m.actor_at(t)
            if m is not None and m.char_end <= first.idx:
                k = j
                while k > 0 and doc[k - 1].idx >= m.char_start:
                    k -= 1  # the mention's first token
                prev = doc[max(0, k - 2):k]  # "anti-ISIS", "anti ISIS"
                if any(p.lower_ in self.lex.opposing_prefixes for p in prev) or \
                        m.quote.lower().split("-")[0] in self.lex.opposing_prefixes:
                    return []
                return [self._mention_arg(m, t)]
            j -= 1
            steps += 1
        return []

    def _is_assault_noun(self, tok) -> bool:
        """Whether a lower-case noun or gerund has an ASSAULT reading in the noun lexicon ("shelling")."""
        if not (tok.is_alpha and tok.is_lower and tok.tag_ in ("NN", "NNS", "VBG")):
            return False
        return any(self.lex.nouns.get(k) and self.lex.nouns[k][0].event_type == "ASSAULT"
                   for k in noun_keys(tok, self.lex))

    def _recent_actors(self, tok, sent: Sent, n: int) -> list[Arg]:
        """The last `n` distinct actors mentioned before `tok` in this sentence or the one before ("the two
        countries"), spanned by the anaphor's own words."""
        prev_start = self.ctx.sentences[sent.index - 1].char_start if sent.index > 0 else sent.start
        left, right = tok.left_edge.idx, tok.idx + len(tok.text)
        out: list[Arg] = []
        for m in reversed(self.m.actors):
            if m.char_end > left or m.char_start < prev_start:
                continue
            if all(m.actor_id != o.actor_id for o in out):
                out.append(Arg(m.actor_id, left, right, tok.i, True))
            if len(out) == n:
                break
        return list(reversed(out)) if len(out) == n else []

    def _pronoun_ok(self, pron: str, actor_id: str) -> bool:
        allowed = self.lex.pronouns.get(pron)
        if not allowed or "*" in allowed:
            return True
        kind = self._actor_type(actor_id)
        return kind is None or kind in allowed

    def _resolve_pronoun(self, tok, sent: Sent, depth: int) -> list[Arg]:
        lw = tok.lower_
        if lw in self.lex.relative_pronouns:
            clause = tok.head
            for _ in range(4):
                if clause.dep_ in ("relcl", "acl") or clause.head == clause:
                    break
                clause = clause.head
            if clause.dep_ in ("relcl", "acl") and clause.head != tok:
                antecedent = clause.head
                # "Turkey and Russia, which back ..." stands for both; "Russia, which backs X, and Turkey" not
                if all(c.i < tok.i for c in antecedent.conjuncts):
                    return self._np_actors(antecedent, sent, depth + 1)
                return self._np_actors_at(antecedent, sent, depth + 1)
            return []
        if lw not in self.lex.pronouns:
            return []
        own = (tok.idx, tok.idx + len(tok.text))
        # 1. A pronoun subject in a reported clause stands for the speaker ("X said it would ...").
        if tok.dep_ in ("nsubj", "nsubjpass"):
            cur = tok
            for _ in range(8):
                if cur.head == cur:
                    break
                if cur.dep_ in ("ccomp", "xcomp") and any_lemmas(cur.head, self.lex) & self.lex.speech_verbs:
                    speaker = next((c for c in cur.head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
                    if speaker is not None and speaker != tok and speaker.pos_ != "PRON":
                        found = [a for a in self._np_actors(speaker, sent, depth + 1)
                                 if self._pronoun_ok(lw, a.actor_id)]
                        if found:
                            return [dataclasses.replace(a, via_pronoun=True) for a in found]
                    break
                cur = cur.head
        # 2. A possessive in an object phrase stands for the clause's subject ("Russia stop its bombing").
        np_head = tok.head if tok.dep_ == "poss" else tok
        if tok.dep_ == "poss":
            verb = tok.head
            for _ in range(6):
                if verb.pos_ in ("VERB", "AUX") or verb.head == verb:
                    break
                verb = verb.head
            subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is not None and subj.pos_ != "PRON" and not (subj.left_edge.i <= tok.i <= subj.right_edge.i):
                a = self._np_actor(subj, sent, depth + 1)
                if a is not None and self._pronoun_ok(lw, a.actor_id):
                    return [Arg(a.actor_id, own[0], own[1], tok.i, True)]
            if np_head.dep_ not in ("nsubj", "nsubjpass"):
                return []  # "fled their homes": no guessing for possessives outside the subject
        # 3. The nearest compatible actor mentioned before it, in this sentence or the one before.
        prev_start = self.ctx.sentences[sent.index - 1].char_start if sent.index > 0 else sent.start
        for m in reversed(self.m.actors):
            if m.char_end > tok.idx or m.char_start < prev_start:
                continue
            if self._pronoun_ok(lw, m.actor_id):
                return [Arg(m.actor_id, own[0], own[1], tok.i, True)]
        return []

    @staticmethod
    def _subject_child(tok):
        subj = next((c for c in tok.children if c.dep_ in ("nsubj", "csubj")), None)
        if subj is not None:
            return subj, False
        subj = next((c for c in tok.children if c.dep_ in ("nsubjpass", "csubjpass")), None)
        if subj is not None:
            return subj, True
        return None, False

    @staticmethod
    def _listed_subjects(subj) -> list:
        """Further subjects of the same verb in a list the parser read as separate subjects ("Barack Obama,
        Vladimir Putin and Angela Merkel met": "Obama" and "Putin" are both nsubj): siblings with the same
        dependency before the verb, each separated from the previous one by a comma only."""
        if subj is None or subj.head == subj:
            return []
        verb = subj.head
        sibs = sorted((c for c in verb.children if c.dep_ == subj.dep_ and c.i < verb.i), key=lambda c: c.i)
        out: list = []
        prev = subj
        for c in sibs:
            if c.i <= subj.i:
                continue
            gap = subj.doc[prev.right_edge.i + 1 : c.left_edge.i]
            if len(gap) != 1 or gap[0].text != ",":
                break
            out.append(c)
            prev = c
        return out

    @staticmethod
    def _by_object(tok):
        for c in tok.children:
            if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by"):
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    return pobj
        return None

    def _inherited_subject(self, verb, sent: Sent) -> list[Arg]:
        """The subject of a verb that has none of its own, from the clause it depends on."""
        cur = verb
        for _ in range(8):
            if cur.head == cur or not sent.has(cur.head):
                return []
            dep = cur.dep_
            head = cur.head
            if dep == "acl" and head.pos_ in ("NOUN", "PROPN"):
                if cur.tag_ == "VBN":
                    return []  # reduced passive: the noun is the patient, not the doer
                found = self._np_actors(head, sent)  # "Assad's drive to recapture", "a drive by Assad to ..."
                if found:
                    return found
                if head.dep_ in ("dobj", "pobj", "attr") and head.head != head:
                    cur = head.head if head.dep_ != "pobj" else head.head.head  # "stepped up a campaign to take"
                    if cur.pos_ not in ("VERB", "AUX"):
                        return []
                    subj, passive = self._subject_child(cur)
                    return self._np_actors(subj, sent) if subj is not None and not passive else []
                return []
            if dep == "relcl":
                return self._np_actors(head, sent)
            if dep not in ("xcomp", "conj", "advcl", "pcomp", "prep", "acomp"):
                return []
            if dep == "prep" and cur.lower_ in self.lex.object_control_preps and head.pos_ in ("VERB", "AUX"):
                obj = next((c for c in head.children if c.dep_ == "dobj"), None)
                if obj is not None and any(c.dep_ == "pcomp" for c in cur.children):
                    # "jailed a student for helping X", "accused Rwanda of making ...": the object does it
                    found = self._np_actors(obj, sent)
                    if found:
                        return found
            if dep == "xcomp":
                obj = next((c for c in head.children if c.dep_ in ("dobj", "dative")), None)
                if obj is not None:  # object control: "urged Russia to stop", "forced civilians to leave"
                    return self._np_actors(obj, sent)
                subj, passive = self._subject_child(head)
                if subj is not None and passive:
                    # the passive subject does the infinitive: "X is scheduled to attend", "X was urged by Y to
                    # stop", "X was forced to withdraw"
                    found = self._np_actors(subj, sent)
                    if found:
                        return found
            subj, passive = self._subject_child(head)
            if subj is not None and not passive:
                return self._np_actors(subj, sent)
            by = self._by_object(head)
            if passive and by is not None:
                return self._np_actors(by, sent)
            cur = head
        return []
