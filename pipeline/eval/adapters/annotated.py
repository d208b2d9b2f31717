"""The project's hand annotation of figure reporters and time windows (tests/gold/reporters_windows.yaml) on
studied-part items of the shared benchmarks (GVA local news, IDETECT excerpts), scored on the extraction library.

The gold keeps ids and short spans only; the texts are read from the benchmark files at run time. Each item is
extracted as the other adapters do (the text as the file holds it; GVA items with their `published_at`).
- figures matched: a gold figure is found when an extracted figure overlaps its quote and has its value as
  `value`, `value_low` or `value_high` (recall only: the gold leaves breakdowns and headlines out, so it does
  not bound precision);
- on matched figures: reporter right (both null, or the reporter words share a content word), window kind
  right, window dates right (start and end both equal to the gold's, nulls included);
- `reporter_given` is the reporter agreement on the matched figures whose gold names a reporter. The gold's
  `relay` is not scored: the figures table has no relay column yet and no annotated item names a relay.

Every gold item is a studied-part item (pipeline.eval.split), so the report has one part, `studied`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pipeline.eval.gold import GOLD_DIR, gold_date, gold_spans, norm_text, benchmark_documents, load_gold
from pipeline.eval.metrics import PRF, Agreement, overlaps
from pipeline.eval.report import make_report
from pipeline.eval.runner import TextItem, extract_items, parse_yyyymmdd
from pipeline.eval.split import part_of

GOLD = GOLD_DIR / "reporters_windows.yaml"
NAME = "reporters_windows"
_FUNCTION_WORDS = frozenset("a an the of to and in on for by its his her their said says say told according".split())
_MEASURES = ("reporter", "reporter_given", "window_kind", "window_dates")


def _source(benchmark: str) -> str:
    """Short name of the benchmark file an item comes from ("gva", "idetect")."""
    return Path(benchmark).stem.split("_")[0]


def _words(s: str | None) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", norm_text(s or "")) if w not in _FUNCTION_WORDS}


def reporter_agrees(gold: str | None, got: str | None) -> bool:
    """Both null, or both given and sharing a content word (case and determiners ignored)."""
    if gold is None or got is None:
        return gold is None and got is None
    g, p = _words(gold), _words(got)
    return bool(g & p) or (not g and not p)


def load(gold_path: Path, benchmarks_dir: Path) -> tuple[dict, dict[str, dict]]:
    """The gold and its items' benchmark records by doc_id; a missing file or item is a clear error."""
    gold = load_gold(gold_path)
    for g in gold["articles"]:
        if not (Path(benchmarks_dir) / g["benchmark"]).is_file():
            raise FileNotFoundError(f"{gold_path.name}: benchmark file {g['benchmark']} not under {benchmarks_dir}")
    docs = benchmark_documents(gold, Path(benchmarks_dir))
    missing = [g["doc_id"] for g in gold["articles"] if g["doc_id"] not in docs]
    if missing:
        raise ValueError(f"{gold_path.name}: items not in their benchmark files: {', '.join(missing)}")
    return gold, docs


def _published(g: dict, rec: dict) -> dt.date | None:
    return parse_yyyymmdd(rec.get("published_at")) or gold_date(g.get("published_at"))


def _score_figure(key: str, gf: dict, spans, figures, m: dict) -> None:
    """One gold figure: found by span and value, then its reporter and window on the first match."""
    value = float(gf["value"])
    hits = [f for f in figures if any(overlaps(f.char_start, f.char_end, s0, s1) for s0, s1 in spans)
            and value in (f.value, f.value_low, f.value_high)]
    label = f"{key}: {gf['quote']!r} = {gf['value']:g}"
    m["figures"].add_gold(bool(hits), label)
    if not hits:
        return
    f = hits[0]
    got_rep = f.reporter_text
    m["reporter"].add(reporter_agrees(gf.get("reporter"), got_rep), f"{label}: reporter {gf.get('reporter')!r}, got {got_rep!r}")
    if gf.get("reporter") is not None:
        m["reporter_given"].add(reporter_agrees(gf["reporter"], got_rep), f"{label}: {gf['reporter']!r}, got {got_rep!r}")
    m["window_kind"].add(f.window_kind == gf["window_kind"], f"{label}: {gf['window_kind']}, got {f.window_kind}")
    want = (gold_date(gf.get("window_start")), gold_date(gf.get("window_end")))
    got = (gold_date(f.window_start), gold_date(f.window_end))
    m["window_dates"].add(got == want, f"{label}: {want}, got {got}")


def _new_measures() -> dict:
    return {"figures": PRF(), **{k: Agreement() for k in _MEASURES}}


def extract(gold: dict, docs: dict[str, dict]) -> dict:
    """The extraction of every gold item, by doc_id (None where it failed)."""
    return extract_items([TextItem(g["doc_id"], docs[g["doc_id"]]["text"], _published(g, docs[g["doc_id"]]))
                          for g in gold["articles"]])


def score(gold_path: Path, gold: dict, docs: dict[str, dict], extractions: dict) -> dict:
    """The report (pipeline.eval.report shape) of `extractions` against the hand annotation `gold`."""
    total = _new_measures()
    by_source: dict[str, dict] = {}
    failed = 0
    for g in gold["articles"]:
        ex, text = extractions[g["doc_id"]], docs[g["doc_id"]]["text"]
        parts = (total, by_source.setdefault(_source(g["benchmark"]), _new_measures()))
        for gf in g["figures"]:
            for m in parts:
                _score_figure(g["doc_id"], gf, gold_spans(text, gf), ex.figures if ex else [], m)
        failed += ex is None
    metrics: dict = {f"figures.{k}": total[k] for k in _MEASURES}
    for src in sorted(by_source):
        metrics[f"{src}.figures_found"] = by_source[src]["figures"].recall
        metrics.update({f"{src}.{k}": by_source[src][k] for k in ("reporter", "window_kind", "window_dates")})
    parts_seen = "+".join(sorted({part_of(g["doc_id"]) for g in gold["articles"]}))
    report = make_report(
        f"{NAME}:{parts_seen}", str(gold_path), len(gold["articles"]), failed,
        "hand gold of reporters and windows: a gold figure is found by an overlapping extracted figure with its "
        "value (recall only); reporter (null = null, else a shared content word), window kind and window dates "
        "(start and end, nulls included) compared on found figures.",
        {"figures": total["figures"]}, metrics, [],
    )
    report["part"] = parts_seen
    return report


def evaluate(gold_path: Path = GOLD, benchmarks_dir: Path = Path("../shared/benchmarks")) -> dict:
    """Load the gold and its texts, extract them and score."""
    gold, docs = load(Path(gold_path), Path(benchmarks_dir))
    return score(Path(gold_path), gold, docs, extract(gold, docs))
