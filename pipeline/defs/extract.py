"""Extraction: articles become actors, places, events, figures and mentions."""


import dagster as dg
import pandas as pd

from pipeline.defs.tables import table_out, table_output
from pipeline.extract import extract_corpus
from pipeline.extract.nlp import model_version
from pipeline.publish.tables import extraction_frames

GROUP = "extract"
TABLES = ("actors", "places", "events", "figures", "mentions")


@dg.multi_asset(
    outs={name: table_out(name, GROUP) for name in TABLES},
    ins={"articles": dg.AssetIn("articles")},
    check_specs=[
        dg.AssetCheckSpec(
            "all_articles_extracted",
            asset="mentions",
            description="Extraction ran to completion on every article (a failure is reported here, never dropped).",
        )
    ],
    can_subset=False,
)
def extract_tables(context: dg.AssetExecutionContext, articles: pd.DataFrame):
    """Run spaCy's English model over the articles (batched) and the rule- and lexicon-based extractors:
    actors resolved against the curated registry, places against the GeoNames gazetteer, figures with
    qualifier, category, reporter and time window, and PLOVER events clustered across articles."""
    from pipeline.publish.tables import articles_from_frame

    result = extract_corpus(articles_from_frame(articles))
    frames = extraction_frames(result.extractions)
    failures = [f.__dict__ for f in result.failures]
    if failures:
        context.log.warning(f"extraction failed on {len(failures)} article(s): {failures[:5]}")
    extra = {"model": model_version(), "articles_failed": len(failures)}
    for name in TABLES:
        yield table_output(name, frames[name], extra)
    yield dg.AssetCheckResult(
        check_name="all_articles_extracted",
        asset_key="mentions",
        passed=not failures,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"articles": len(articles), "failed": len(failures), "failures": dg.MetadataValue.json(failures[:50])},
    )


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[extract_tables])
