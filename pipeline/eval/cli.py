"""`python -m pipeline eval`: score the extractor on the project's gold set and on public benchmarks.

    python -m pipeline eval                                   # the project's gold (tests/gold/: sample articles, and
                                                              # re3d documents and the reporters/windows annotation
                                                              # when ../shared/benchmarks is there)
    python -m pipeline eval --benchmark ../shared/benchmarks  # + every known benchmark file in that folder
    python -m pipeline eval --benchmark ../shared/benchmarks/figures/idetect_excerpts_dev.jsonl --no-gold

Every benchmark is scored in two parts, fixed by a hash of the item id (pipeline.eval.split): `:studied`, the
part rules may be shaped on, and `:checked`, the part only scored. Prints precision, recall and F1 per table
(figures, actors, places, events) and per benchmark part, the extra
measures (category agreement, CAMEO-root accuracy...) and the issue's targets, and writes the same as JSON
(`--report`, by default warehouse/eval/report.json). Runs the extraction library directly (no Dagster).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from pipeline.eval.metrics import PRF

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_GOLD = ROOT / "tests" / "gold" / "sample_articles.yaml"
DEFAULT_ARTICLES = ROOT / "data" / "articles"
DEFAULT_REPORT = ROOT / "warehouse" / "eval" / "report.json"
TABLES = ("figures", "actors", "places", "events")


DEFAULT_BENCHMARKS = ROOT.parent / "shared" / "benchmarks"
BENCHMARK_GOLD = ROOT / "tests" / "gold" / "re3d_gold.yaml"


def benchmark_gold_report(gold_path: Path = BENCHMARK_GOLD, benchmarks_dir: Path = DEFAULT_BENCHMARKS) -> dict:
    """The project's own annotation of benchmark documents (ids and spans only): the texts are read from the
    benchmark files, written to a temporary JSONL corpus and run through the same code as the sample gold."""
    import tempfile

    from pipeline.eval.gold import benchmark_documents, load_gold

    gold = load_gold(gold_path)
    docs = benchmark_documents(gold, benchmarks_dir)
    with tempfile.TemporaryDirectory() as tmp:
        with open(Path(tmp) / "gold_documents.jsonl", "w", encoding="utf-8") as fh:
            for doc_id in sorted(docs):
                rec = docs[doc_id]
                fh.write(json.dumps({"id": doc_id, "title": rec.get("title"), "text": rec["text"]}) + "\n")
        return project_gold_report(Path(tmp), gold_path, docs, report_name="project_gold_" + gold_path.stem)


def project_gold_report(
    articles_dir: Path = DEFAULT_ARTICLES,
    gold_path: Path = DEFAULT_GOLD,
    documents: dict | None = None,
    report_name: str = "project_gold",
) -> dict:
    """The extractor on the project's articles, scored against its hand annotation (pipeline.eval.gold).

    Actor and place precision are not measured by that gold (it lists what must be found, not everything
    that may be), so they are reported as n/a."""
    import tempfile

    from pipeline.eval.gold import load_gold, same_event_clusters, score
    from pipeline.eval.report import make_report
    from pipeline.stages import corpus_tables  # reason: loads spaCy's pipeline code, only when scoring the gold

    with tempfile.TemporaryDirectory() as tmp:  # the tables a run publishes, by the functions the run calls
        tables = corpus_tables(Path(articles_dir), Path(tmp))
    gold = load_gold(gold_path)
    scores = score(tables, gold, documents)
    prf: dict[str, PRF] = {}
    metrics: dict[str, float | None] = {}
    for name in TABLES:
        s = scores[name]
        p = PRF(gold=s.expected, gold_found=s.found, misses=list(s.misses))
        if name in ("figures", "events"):
            p.predicted, p.predicted_correct = s.predicted, s.correct_predicted
        prf[name] = p
        for field_name in sorted(s.fields):
            metrics[f"{name}.{field_name}"] = s.agreement(field_name)
    clusters = same_event_clusters(tables, gold, documents)
    metrics["events.same_event_clusters_shared"] = (
        sum(ok for _, ok in clusters) / len(clusters) if clusters else None
    )
    return make_report(
        report_name, str(gold_path), len(gold["articles"]), len(tables["extraction_problems"]),
        "pipeline.eval.gold rules (quote overlap + value for figures, names/aliases for actors, names/spellings "
        "for places, quote overlap + type for events); actor and place precision not measured (n/a).",
        prf, metrics, [],
    )


def benchmark_reports(path: Path, limit: int | None = None, only: list[str] | None = None) -> list[dict]:
    """Reports for one benchmark file, or for every known file under a benchmarks folder."""
    from pipeline.eval.adapters import adapter_for, benchmark_files

    path = Path(path)
    if path.is_dir():
        pairs = benchmark_files(path)
        if not pairs:
            raise FileNotFoundError(f"no known benchmark file under {path}")
    else:
        mod = adapter_for(path)
        if mod is None:
            raise ValueError(f"{path}: no adapter for this file (known: see pipeline/eval/adapters/)")
        pairs = [(mod, path)]
    from pipeline.eval.split import PARTS

    out = []
    for mod, f in pairs:
        if only and mod.NAME not in only:
            continue
        for part in PARTS:  # the fixed studied/checked split (pipeline.eval.split), each part its own report
            t0 = time.perf_counter()
            rep = mod.evaluate(f, limit=limit, part=part)
            rep["seconds"] = round(time.perf_counter() - t0, 1)
            rep["part"] = part
            rep["benchmark"] = f"{rep['benchmark']}:{part}"
            out.append(rep)
    return out


def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:5.3f}"


def format_table(reports: list[dict]) -> str:
    lines = [f"{'benchmark':<34} {'table':<10} {'gold':>5} {'found':>5} {'pred':>5} {'P':>5} {'R':>5} {'F1':>5}"]
    for rep in reports:
        for table, t in rep["tables"].items():
            pred = "" if t["predicted"] == 0 and t["precision"] is None else str(t["predicted"])
            lines.append(
                f"{rep['benchmark']:<34} {table:<10} {t['gold']:>5} {t['gold_found']:>5} {pred:>5} "
                f"{_fmt(t['precision'])} {_fmt(t['recall'])} {_fmt(t['f1'])}"
            )
    extra = []
    for rep in reports:
        for name, m in rep["metrics"].items():
            val = m["rate"] if isinstance(m, dict) else m
            detail = f" ({m['agree']}/{m['compared']})" if isinstance(m, dict) else ""
            extra.append(f"  {rep['benchmark']:<34} {name:<40} {_fmt(val)}{detail}")
    if extra:
        lines += ["", "other measures:", *extra]
    tg = [(rep["benchmark"], t) for rep in reports for t in rep["targets"]]
    if tg:
        lines += ["", "targets:"]
        for bench, t in tg:
            lines.append(f"  {'MET ' if t['met'] else 'MISS'} {bench:<34} {t['name']:<48} {_fmt(t['value'])} >= {t['target']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    reports: list[dict] = []
    if not args.no_gold:
        reports.append(project_gold_report(Path(args.articles), Path(args.gold)))
        bench_dir = Path(args.benchmarks_dir)
        if BENCHMARK_GOLD.exists() and bench_dir.is_dir():
            reports.append(benchmark_gold_report(BENCHMARK_GOLD, bench_dir))
            from pipeline.eval.adapters import annotated  # reason: adapters load the extraction library, only when scoring

            reports.append(annotated.evaluate(annotated.GOLD, bench_dir))
        else:
            print(f"note: {BENCHMARK_GOLD.name} not scored: the benchmark texts are not at {bench_dir}", file=sys.stderr)
    for b in args.benchmark or []:
        try:
            reports.extend(benchmark_reports(Path(b), args.limit, args.only))
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(format_table(reports))
    report_path = Path(args.report)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"generated": dt.date.today().isoformat(), "reports": reports}
    report_path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nJSON report: {report_path}")
    return 0


def add_parser(sub) -> None:
    """Register the `eval` subcommand on the CLI's subparsers."""
    p = sub.add_parser("eval", help="score the extractor on the project's gold set and on public benchmarks")
    p.add_argument("--gold", default=str(DEFAULT_GOLD), help="the project's gold annotation (YAML)")
    p.add_argument("--articles", default=str(DEFAULT_ARTICLES), help="the articles the project gold annotates")
    p.add_argument("--no-gold", action="store_true", help="skip the project's gold set")
    p.add_argument("--benchmarks-dir", default=str(DEFAULT_BENCHMARKS),
                   help="where the benchmark texts of the project's re3d gold are read from")
    p.add_argument("--benchmark", action="append", metavar="PATH",
                   help="a benchmark file or a benchmarks folder (../shared/benchmarks); repeatable")
    p.add_argument("--only", action="append", metavar="NAME", help="only these benchmarks (e.g. re3d_entities)")
    p.add_argument("--limit", type=int, default=None, help="score only the first N items of each benchmark")
    p.add_argument("--report", default=str(DEFAULT_REPORT), help="where to write the JSON report")
    p.set_defaults(func=run)
