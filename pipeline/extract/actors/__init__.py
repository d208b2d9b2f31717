"""Actor extraction and resolution against the curated registry (pipeline/lexicons/actors.yaml).

Sources of mentions, in priority order (a later source never takes characters an earlier one took; within a
source the longest match wins):

1. Registry names: every alias of the registry, including the aliases generated from the `states` blocks
   ("Syrian forces" -> Syria's military, "Turkish Defense Ministry" -> Turkey's defence ministry, "Syrians" ->
   Syrian civilians, "Assad's troops" -> Syria's military, "UN ..." also as "U.N. ..."/"United Nations ...").
   Matching: first letter with its case, rest case-insensitive, all-capital words exactly (see
   `pipeline.extract.places.name_pattern`); a name glued to a lower-case word by a hyphen ("US-backed") is
   not a mention. A name written in lower case is matched where it is clearly a name: a person's name right
   after a capitalised person title ("President obama"), any name with a capital inside the word ("iSrael").
   Two or more nationalities on one noun ("US and British activists", "Russian and Syrian warplanes") give
   one mention per nationality, each of the actor the noun names for that country.
2. Focus-country cues (actor_cues.yaml `focus_cues`): "the regime", "government forces", "rebel factions" ...
   resolve to the government / military / armed opposition of the article's focus country (the best-ranked
   country of `places.focus_countries` that has that actor in the registry).
3. Metonyms: a country or capital name ("Moscow", "Turkey") is its government only when the syntax makes it
   an actor -- subject of a verb, passive agent ("organized by Russia"), antecedent of "which/who" relative
   clause, object of an actor verb ("criticised Russia"), possessor of an actor noun ("Russia's backing"), object
   of between/with/against/for attached to a non-geographic word ("a ceasefire between Turkey and Russia"), or
   of "of/to/with" after an adjective ("critical of Russia"); conjuncts inherit the role of the first conjunct.
   Everywhere else ("in Syria", "towards Turkey's border", "parts of Syria") the name is a place and left to
   the place extractor. Countries without a registry state become a discovered "Government of <country>".
4. spaCy NER: PERSON and ORG spans (GPE only for metonyms as above). Person names are extended to the left
   over proper nouns spaCy left out ("Sayed Issa" -> "Fouad Sayed Issa"). A one-word PERSON/ORG equal to the
   last name of a person met earlier in the article is that person ("Issa said", "Zikra said"). A PERSON/ORG
   span that is a place of the gazetteer in a focus country or a well-known place ("Maarat al-Numan",
   "Saraqib") is not an actor. Everything else becomes a discovered actor (`disc_…`, curated False): persons
   of type person, organisations typed by keywords (actor_cues.yaml `org_type_keywords`), never dropped.

5. Unnamed actors (after the named ones, never over them; actor_cues.yaml documents every list):
   - common-noun phrases: "the coalition"/"the command" -> the last actor named with that head noun; "the
     group" -> the last non-state organisation; "the secretary", "The Foreign Secretary" -> the person named
     with that title ("Secretary of State John Kerry", or in apposition); generic groups ("security forces",
     "the police", "protesters", "civilians") -> the focus country's registry actor of that role (or the
     country of a nationality adjective in the phrase), else one discovered generic actor per article and
     country ("Protesters (SYR)");
   - pronouns, resolved by a simple documented coreference: he/she -> the last person mention; they -> the
     last group mention within two sentences; I -> the speaker of the quote (subject of a speech verb next to
     it, or of an earlier "<speaker> said:"); we -> the speaker's organisation, else the last organisation.
     A pronoun that does not resolve is not a mention; a pronoun never creates an actor. Possessive
     determiners count only before a noun for people ("his comrades").
   These mentions carry role_hint nominal/title/pronoun and do not add their words to the actor's aliases.
6. Bylines: "<Name> in <Place> contributed to this report." -> that person (parent: the outlet, when known).
   A leader's possessive ("Vladimir Putin's government") gives two mentions: the person and the government.

Parents of discovered people: "<Person>, <role clause>" where the clause starts with a role noun ("head of the
rescue team White Helmets", "spokesman for the U.N. Office for ...", "an aid worker with the Violet
Organisation") -> the first organisation named in the clause; "<Org> spokesman <Person>" -> that organisation;
"<Nationality> <titles> <Person>" -> that state's government. Discovered organisations whose name starts with a
nationality ("Syrian Health Ministry") get that country and, when governmental, its government as parent.

Quotes leave out a leading "the" and a trailing possessive "'s"/"’s"; the quote is always
text[char_start:char_end].

Modules: `registry` (the curated registry, compiled), `sources` (named mentions by source), `unnamed` (noun
phrases, titles, pronouns; a quote's "I" and "we" through pipeline.extract.attribution), `extraction`
(`extract_actors`: candidates chosen, parents assigned), `common` (the candidate record and span helpers).
"""

from pipeline.extract.actors.extraction import extract_actors
from pipeline.extract.actors.registry import ACTOR_TYPES, ActorRegistry, load_registry

__all__ = ["ACTOR_TYPES", "ActorRegistry", "extract_actors", "load_registry"]
