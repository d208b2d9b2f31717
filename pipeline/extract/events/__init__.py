"""Event extraction: who did what to whom, where and when, from the dependency parse.

For every sentence the extractor

1. finds triggers: verbs, nouns and adjectives of the event lexicon (``pipeline/lexicons/event_verbs.yaml``),
   matched on the surface form through a small morphology of its own (the spaCy pipeline runs without a
   lemmatizer), each sense possibly conditioned on a particle ("take back"), a preposition ("advance into"),
   the object ("strike a deal" vs "strike a town") or a clausal complement ("force ... to leave");
2. reads the arguments off the parse: actor1 is the subject side (nsubj; the agent "by X" of a passive; the
   possessor, "by X" or nationality modifier of a nominal trigger; the subject inherited through xcomp, conj,
   advcl, or from the light verb of a nominal trigger: "launched an offensive"), actor2 the object side (dobj,
   "against/on/with/from X", the subject of a demanded clause), assoc_actor_ids the other actors taking part
   (conjuncts, "alongside X", "backed by X"); tokens are mapped to actors through the actor mentions whose
   span covers them, pronouns through a few structural rules (relative pronouns, a pronoun in a reported
   clause stands for the speaker, else the nearest compatible actor before it).
   Statements of intent are events of their own, typed by the act they announce (CAMEO's convention): "vowed /
   pledged / offered to <cooperative act>" and "said it would <cooperative act>" -> AGREE (CAMEO 03), "said it
   would not <cooperative act>" -> REJECT (12), "threatened / vowed to <hostile act>" -> THREATEN (13); they take
   the target of the announced act, which is coded too, flagged future/hypothetical (senses with `comp_type`,
   `control`, `comp_modal`, `comp_negated` in the verb lexicon). An undergoer frame ("X faces pressure from Y",
   "came under attack by Y") makes the "from/by" phrase actor1 and the subject actor2. One act told twice is
   one event: a purpose clause of the same type ("met ... to discuss"), a participle of a nominal trigger of the
   same type ("an attack targeting X", which gives the noun its target), and a non-violent noun that a verb's
   sense takes as its theme ("lifted the sanctions"). An act of violence that happened in or through a nominal
   attack takes that attack's doer ("killed in an air strike by X"; "X claimed responsibility for a bombing
   that killed ...");
3. attaches a place (a place mention in the trigger's clause, else the nearest in the sentence) and a date
   (a date mention in the clause; never the publication date by default);
4. flags context (negated, hypothetical, future, historical, claimed) from cues in
   ``pipeline/lexicons/event_context.yaml``;
5. maps the PLOVER type and mode to a CAMEO root and an ACLED event type through the published crosswalk
   ``pipeline/lexicons/event_crosswalk.csv``.

``cluster_events`` then gives the same cluster id to reports of one real-world event across articles.

Where each step lives: `triggers` (1), `arguments` and `frames` (2), `placing` (3), `flags` (4), `crosswalk` (5);
`merging` joins one act told twice in a sentence, `extractor` assembles an event, `clustering` works across
articles; `lexicon` and `morphology` read the word lists.
"""

from pipeline.extract.events.clustering import can_cluster, cluster_events, same_real_event
from pipeline.extract.events.crosswalk import crosswalk_row, load_crosswalk
from pipeline.extract.events.extractor import extract_events
from pipeline.extract.events.lexicon import CONTEXT_FLAGS, EVENT_TYPES, EventLexicon, Sense, load_event_lexicon
from pipeline.extract.events.morphology import noun_keys, noun_singular_candidates, verb_lemma_candidates, verb_lemmas

__all__ = [
    "CONTEXT_FLAGS", "EVENT_TYPES", "EventLexicon", "Sense", "can_cluster", "cluster_events", "crosswalk_row",
    "extract_events", "load_crosswalk", "load_event_lexicon", "noun_keys", "noun_singular_candidates",
    "same_real_event", "verb_lemma_candidates", "verb_lemmas",
]
