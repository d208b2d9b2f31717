"""`extract_actors`: the actor mentions of an article and the actors they name."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from pipeline.extract.actors.common import _Cand, _overlap_any
from pipeline.extract.actors.registry import ActorRegistry, load_registry
from pipeline.extract.actors.sources import Sources
from pipeline.extract.actors.unnamed import Unnamed
from pipeline.extract.context import ArticleContext
from pipeline.extract.places import Gazetteer, focus_countries, focus_set, load_gazetteer
from pipeline.extract.types import ActorInfo, ActorMention



class _Extraction(Sources, Unnamed):
    """The actors of one article."""

    def __init__(self, ctx: ArticleContext, reg: ActorRegistry, gaz: Gazetteer) -> None:
        self.ctx = ctx
        self.text = ctx.text
        self.reg = reg
        self.gaz = gaz
        ranked = focus_countries(ctx, gaz)
        self.focus_ranked = [iso3 for iso3, _ in ranked]
        self.focus = focus_set(ranked)
        self._state_nouns = reg.words("state_office_nouns") | reg.words("government_nouns") | reg.words("force_nouns")
        self.discovered: dict[str, ActorInfo] = {}
        self.person_ner = [(e.start_char, e.end_char) for e in ctx.doc.ents if e.label_ == "PERSON"]

    def assign_parents(self, chosen: list[_Cand]) -> None:
        text = self.text
        roles = self.reg.words("role_nouns")
        titles = self.reg.words("titles")
        orgs = [c for c in chosen if self._is_org(c.actor_id)]
        for c in chosen:
            info = self.discovered.get(c.actor_id)
            if info is None or info.actor_type != "person" or info.parent_actor_id:
                continue
            parent = None
            sent = self.ctx.sentences[self.ctx.sentence_index_at(c.start)] if self.ctx.sentences else None
            sent_end = sent.char_end if sent else len(text)
            m = re.match(r"\s*,\s*", text[c.end:sent_end])
            if m:
                clause_start = c.end + m.end()
                nxt = re.search(r",\s+(?:who|which|said|says|told|added)\b|[;:!?\"“”]|,\s", text[clause_start:sent_end])
                clause_end = clause_start + nxt.start() if nxt else sent_end
                clause = text[clause_start:clause_end]
                head_words = [w.lower().strip(".,") for w in clause.split()[:6]]
                if any(w in roles for w in head_words):
                    for o in orgs:
                        if clause_start <= o.start < clause_end:
                            parent = o.actor_id
                            break
            if parent is None:
                # "<Org> spokesman <Person>", "<Nationality> Foreign Minister <Person>"
                before = text[max(0, c.start - 120):c.start]
                pos = len(before)
                while True:
                    m2 = re.search(r"([\w.'’-]+)\s+$", before[:pos])
                    if m2 and m2.group(1).lower() in titles | roles:
                        pos = m2.start()
                    else:
                        break
                if pos < len(before):
                    abs_end = c.start - (len(before) - pos)
                    prev_text = before[:pos].rstrip()
                    abs_prev_end = c.start - len(before) + len(prev_text)
                    for o in orgs:
                        if o.end == abs_prev_end and o.end <= abs_end:
                            parent = o.actor_id
                    if parent is None:
                        for adj, iso3 in self.reg.adj_iso3.items():
                            if prev_text.endswith(adj) and (len(prev_text) == len(adj) or not prev_text[-len(adj) - 1].isalnum()):
                                parent = self.reg.gov_by_iso3.get(iso3)
                                if parent:
                                    break
            if parent:
                self.discovered[c.actor_id] = replace(info, parent_actor_id=parent,
                                                      country_iso3=info.country_iso3 or self._country_of(parent))

    def _is_org(self, aid: str) -> bool:
        info = self.discovered.get(aid) or self.reg.actors.get(aid)
        return info is not None and info.actor_type not in ("person", "civilians")

    def _country_of(self, aid: str) -> str | None:
        info = self.discovered.get(aid) or self.reg.actors.get(aid)
        return info.country_iso3 if info else None


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Non-overlapping candidates: by priority, then longest, then leftmost."""
    chosen: list[_Cand] = []
    spans: list[tuple[int, int]] = []
    for c in sorted(cands, key=lambda c: (c.priority, -(c.end - c.start), c.start, c.actor_id)):
        if c.end <= c.start or _overlap_any(c.start, c.end, spans):
            continue
        chosen.append(c)
        spans.append((c.start, c.end))
    return sorted(chosen, key=lambda c: (c.start, c.end, c.actor_id))


def extract_actors(
    ctx: ArticleContext, registry: ActorRegistry | None = None
) -> tuple[list[ActorMention], dict[str, ActorInfo]]:
    """Actor mentions of one article, and every actor they (and their parents) refer to."""
    reg = registry or load_registry()
    text = ctx.text
    if not text or not text.strip():
        return [], {}
    gaz = load_gazetteer()
    ex = _Extraction(ctx, reg, gaz)
    cands = (ex.byline_candidates() + ex.registry_candidates() + ex.country_metonym_candidates()
             + ex.coordinated_nationality_candidates())
    first = _select(cands)
    taken = [(c.start, c.end) for c in first]
    ner = ex.ner_candidates(taken)
    chosen = _select(first + ner)
    ex.assign_parents(chosen)
    chosen = _select(chosen + ex.nominal_candidates(chosen))
    chosen = _select(chosen + ex.attacker_nationality_candidates([(c.start, c.end) for c in chosen]))
    chosen = _select(chosen + ex.pronoun_candidates(chosen))

    art = ctx.article.article_id
    mentions: list[ActorMention] = []
    seen_forms: dict[str, set[str]] = defaultdict(set)
    for c in chosen:
        quote = text[c.start:c.end]
        mentions.append(ActorMention(art, c.start, c.end, quote, c.actor_id, ctx.sentence_index_at(c.start),
                                     c.role_hint))
        if c.role_hint in ("nominal", "title", "pronoun"):  # "the group", "he": not names of the actor
            seen_forms.setdefault(c.actor_id, set())
        else:
            seen_forms[c.actor_id].add(re.sub(r"\s+", " ", quote))

    infos: dict[str, ActorInfo] = {}

    def info_of(aid: str) -> ActorInfo | None:
        return ex.discovered.get(aid) or reg.actors.get(aid)

    todo = sorted(seen_forms)
    while todo:
        aid = todo.pop()
        if aid in infos:
            continue
        info = info_of(aid)
        if info is None:
            continue
        aliases = set(info.aliases) | seen_forms.get(aid, set())
        aliases.discard(info.name)
        infos[aid] = replace(info, aliases=tuple(sorted(aliases)))
        if info.parent_actor_id and info.parent_actor_id not in infos:
            todo.append(info.parent_actor_id)
    return mentions, dict(sorted(infos.items()))
