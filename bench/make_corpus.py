"""Build a benchmark corpus of N distinct articles from real text, with a fixed seed.

The sentences come from the shared benchmark texts (`../shared/benchmarks`: the IndiaPoliceEvents corpus, the
re3d, event and figure excerpts) and from the project's sample articles. They are read at run time and never
copied into the repository. Each article recombines 8 to 32 sentences drawn with `random.Random(seed)`, in
paragraphs of 1 to 4 sentences; four in five articles carry a `date` header (so most publication dates are
given and the rest are inferred, as in a real feed). Articles are written as JSON Lines, `batch_size` articles
per file (`part-00000.jsonl`, ...), the way a feed arrives in daily or hourly drops.

No two articles are the same: each one's sentence sequence is checked against the ones already drawn.

    python bench/make_corpus.py --n 1000 --out bench/out/corpus_1000 [--benchmarks ../shared/benchmarks]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BENCHMARKS = ROOT.parent / "shared" / "benchmarks"
SAMPLE_ARTICLES = ROOT / "data" / "articles"
SEED = 20020227

# The benchmark files and the field holding their text.
SOURCES = (
    "corpus/india_police_2002.jsonl",
    "entities/re3d_dev.jsonl",
    "events/cameo_actor_spans_dev.jsonl",
    "events/petrarch2_gsr_validation.jsonl",
    "events/petrarch_unittest.jsonl",
    "events/wikievents_dev.jsonl",
    "figures/idetect_excerpts_dev.jsonl",
)
# A plain sentence splitter: good enough to cut real text into recombinable pieces (spaCy re-splits later).
_SENT_END = re.compile(r"(?<=[.!?])[\"'”’]?\s+(?=[\"'“‘A-Za-z0-9])")
_HEADER = re.compile(r"^\s*(date|title|url|outlet)\s*[: ]", re.I)


class BenchmarksMissing(SystemExit):
    pass


def _sentences_of(text: str) -> list[str]:
    out = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = " ".join(para.split())
        if not para or _HEADER.match(para):
            continue
        for s in _SENT_END.split(para):
            s = s.strip()
            if 20 <= len(s) <= 600 and len(s.split()) >= 4:
                out.append(s)
    return out


def sentence_pool(benchmarks: Path) -> list[str]:
    """Every usable sentence of the benchmark texts and the sample articles, deduplicated, in a fixed order."""
    if not benchmarks.is_dir():
        raise BenchmarksMissing(
            f"error: the shared benchmark texts are not at {benchmarks}.\n"
            "make bench builds its corpus from them at run time; clone the project next to shared/ "
            "(../shared/benchmarks) or pass --benchmarks DIR."
        )
    pool: dict[str, None] = {}
    found = 0
    for rel in SOURCES:
        path = benchmarks / rel
        if not path.is_file():
            print(f"warning: {path} missing, left out of the sentence pool", file=sys.stderr)
            continue
        found += 1
        with path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                text = rec.get("text") if isinstance(rec, dict) else None
                if isinstance(text, str):
                    for s in _sentences_of(text):
                        pool.setdefault(s)
    if not found:
        raise BenchmarksMissing(f"error: none of the benchmark texts ({', '.join(SOURCES)}) is under {benchmarks}")
    for path in sorted(SAMPLE_ARTICLES.glob("*.txt")):
        for s in _sentences_of(path.read_text(encoding="utf-8")):
            pool.setdefault(s)
    return list(pool)


def iter_articles(n: int, pool: list[str], seed: int = SEED):
    """`n` distinct articles as dicts (id, text, published_at), deterministic for a given pool and seed."""
    rng = random.Random(seed)
    seen: set[tuple[int, ...]] = set()
    base = dt.date(2002, 1, 1)
    made = 0
    while made < n:
        k = rng.randint(8, 32)
        picks = tuple(rng.randrange(len(pool)) for _ in range(k))
        if picks in seen:
            continue
        seen.add(picks)
        paras, i = [], 0
        while i < k:
            step = rng.randint(1, 4)
            paras.append(" ".join(pool[j] for j in picks[i : i + step]))
            i += step
        rec = {"id": f"bench-{seed}-{made:07d}", "text": "\n\n".join(paras)}
        if rng.random() < 0.8:
            rec["published_at"] = (base + dt.timedelta(days=rng.randrange(365))).isoformat()
        made += 1
        yield rec


def write_corpus(n: int, out: Path, benchmarks: Path = DEFAULT_BENCHMARKS, seed: int = SEED, batch_size: int = 1000, start: int = 0) -> dict:
    """Write articles `start`..`n-1` of the seeded sequence to `out` as JSON Lines files of `batch_size` articles.

    `start` > 0 writes only the tail (the "new articles" of an incremental run) to its own file."""
    pool = sentence_pool(benchmarks)
    out.mkdir(parents=True, exist_ok=True)
    n_words = n_chars = 0
    fh = None
    part = None
    for i, rec in enumerate(iter_articles(n, pool, seed)):
        if i < start:
            continue
        want = f"part-{i // batch_size:05d}.jsonl" if start == 0 else f"new-{start:07d}-{n:07d}.jsonl"
        if want != part:
            if fh:
                fh.close()
            part = want
            fh = (out / part).open("w", encoding="utf-8")
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n_words += len(rec["text"].split())
        n_chars += len(rec["text"])
    if fh:
        fh.close()
    return {"articles": n - start, "words": n_words, "chars": n_chars, "pool_sentences": len(pool), "seed": seed}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, required=True, help="number of articles")
    ap.add_argument("--out", type=Path, required=True, help="output folder (JSON Lines files)")
    ap.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--start", type=int, default=0, help="write only articles start..n-1 (new articles for an incremental run)")
    args = ap.parse_args(argv)
    stats = write_corpus(args.n, args.out, args.benchmarks, args.seed, start=args.start)
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
