"""What every extractor receives for one article: the article, its spaCy Doc and its sentences."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from pipeline.extract.types import Article, Sentence


@dataclass
class ArticleContext:
    article: Article
    doc: object  # spacy.tokens.Doc over article.text (so token.idx are offsets into article.text)
    sentences: list[Sentence] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.sentences:
            self.sentences = [
                Sentence(i, s.start_char, s.end_char) for i, s in enumerate(self.doc.sents)
            ]
        self._starts = [s.char_start for s in self.sentences]

    @property
    def text(self) -> str:
        return self.article.text

    def sentence_index_at(self, char: int) -> int:
        """Index of the sentence holding the character at `char` (0 when there are no sentences)."""
        if not self._starts:
            return 0
        return max(0, bisect.bisect_right(self._starts, char) - 1)

    def sentence_text(self, index: int) -> str:
        s = self.sentences[index]
        return self.text[s.char_start : s.char_end]

    def sentence_span(self, index: int):
        """The spaCy Span of sentence `index`."""
        s = self.sentences[index]
        return self.doc.char_span(s.char_start, s.char_end, alignment_mode="expand")
