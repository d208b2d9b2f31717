"""The Dagster layer: one module per domain, each exporting its own definitions, merged here.

ingest -> extract -> (blocking pandera checks) -> publish, with the job, schedule and sensor in automation.
"""


import dagster as dg

from pipeline.defs import automation, batches, extract, ingest, publish, resources, storage, validation
from pipeline.defs import expectations as gx_checks
from pipeline.defs import release


def build_defs() -> dg.Definitions:
    return dg.Definitions.merge(
        resources.defs(),
        storage.defs(),
        ingest.defs(),
        extract.defs(),
        dg.Definitions(assets=[batches.batch_extraction]),
        validation.defs(),
        publish.defs(),
        automation.defs(),
        release.defs(),
        gx_checks.defs(),
    )


defs = build_defs()


def newsledger_job() -> dg.JobDefinition:
    """The job, resolved from the definitions (a module-level factory, so runs can reconstruct it)."""
    return defs.resolve_job_def(automation.JOB_NAME)


def newsledger_release_job() -> dg.JobDefinition:
    """The release job (whole graph, then `release_snapshot`, its Great Expectations checks and `release`)."""
    return defs.resolve_job_def(release.RELEASE_JOB_NAME)
