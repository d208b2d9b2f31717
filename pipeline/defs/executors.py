"""Where the job's steps run, chosen by configuration only: the same definitions run in one process, on local
worker processes, or on a dask.distributed cluster.

`NEWSLEDGER_EXECUTOR` (read when the definitions load; the Dagster UI, the CLI and every worker read the same
environment):

- `auto` (default): one process for a handful of articles, every core for a corpus large enough to gain from
  them (pipeline.launch.auto_mode: from about 1 MB of input files). The CLI decides on the folder it runs and says
  so in the run config (`execution: {config: {mode: ...}}`); a run launched from the UI decides on the articles
  folder of the project configuration (newsledger.yaml) unless its run config names a mode.
- `in_process`: every step in the run's own process. The fastest for small corpora such as the two sample
  articles (no process start per step, the spaCy model loaded once).
- `multiprocess`: Dagster's multiprocess executor, one process per step, at most `NEWSLEDGER_MAX_CONCURRENT`
  (default: the number of CPU cores) at a time. Processes are forked from a server that has imported the
  definitions once (`forkserver` with preloaded modules), so a step starts in a fraction of a second. The
  extraction buckets (pipeline/defs/extract.py) run in parallel.
- `dask`: dagster-dask's executor on an existing dask.distributed scheduler at `NEWSLEDGER_DASK_SCHEDULER`
  (e.g. `tcp://10.0.0.5:8786`); each step is a task on a dask worker. Workers need this package installed,
  the same environment variables, and the same view of the storage: the Dagster instance (`DAGSTER_HOME`,
  `NEWSLEDGER_STATE_DIR`: a shared folder or a Postgres-backed instance), the articles folder and the
  warehouse folder. See README, "Scale-out".

Any executor can also be given per run in run config (`execution: {config: ...}`) within what the chosen one
accepts; e.g. the dask scheduler address.
"""

from __future__ import annotations


import dagster as dg

from pipeline.launch import EXECUTOR_ENV, EXECUTORS, FORKSERVER_PRELOAD, auto_mode, executor_name  # noqa: F401 - re-exported

MAX_CONCURRENT_ENV = "NEWSLEDGER_MAX_CONCURRENT"
DASK_SCHEDULER_ENV = "NEWSLEDGER_DASK_SCHEDULER"


def _max_concurrent() -> int:
    from pipeline.settings import settings

    return settings().max_concurrent


MULTIPROCESS_CONFIG = {"max_concurrent": _max_concurrent(),
                       "start_method": {"forkserver": {"preload_modules": FORKSERVER_PRELOAD}}}


@dg.executor(
    name="auto",
    config_schema={
        "mode": dg.Field(dg.Enum("StepsMode", [
            dg.EnumValue("auto"), dg.EnumValue("in_process"), dg.EnumValue("multiprocess")]), default_value="auto",
            description="auto: multiprocess from about 1 MB of input files, else in_process."),
        "articles_dir": dg.Field(str, is_required=False, description="The folder `auto` measures (default: the "
                                 "project configuration's articles folder)."),
    },
    requirements=dg.multiple_process_executor_requirements(),
)
def auto_executor(init_context: dg.InitExecutorContext):
    """One process for a handful of articles, every core (forked warm step processes) for a large corpus."""
    from dagster._core.execution.retries import RetryMode
    from dagster._core.executor.in_process import InProcessExecutor
    from dagster._core.executor.multiprocess import MultiprocessExecutor

    from pipeline.paths import default_articles_dir

    mode = init_context.executor_config.get("mode", "auto")
    if mode == "auto":
        mode = auto_mode(init_context.executor_config.get("articles_dir") or default_articles_dir())
    if mode == "in_process":
        return InProcessExecutor(retries=RetryMode.ENABLED, marker_to_close=None)
    return MultiprocessExecutor(max_concurrent=MULTIPROCESS_CONFIG["max_concurrent"], retries=RetryMode.ENABLED,
                                start_method="forkserver", explicit_forkserver_preload=FORKSERVER_PRELOAD)


def build_executor(name: str | None = None) -> dg.ExecutorDefinition:
    """The executor named by `name`, or by NEWSLEDGER_EXECUTOR when None."""
    name = name or executor_name()
    if name == "auto":
        return auto_executor
    if name == "in_process":
        return dg.in_process_executor
    if name == "multiprocess":
        return dg.multiprocess_executor.configured(MULTIPROCESS_CONFIG, name="multiprocess")
    return dask_executor.configured({"cluster": {"existing": {"address": {"env": DASK_SCHEDULER_ENV}}}}, name="dask")


# ------------------------------------------------------------------------------------------------------------
# dagster-dask, with one fix: dagster-dask 0.29.27 passes the DagsterRun (a NamedTuple holding @record fields)
# to `Client.submit` as an argument, and dask >= 2024.12 walks every tuple argument looking for futures, which
# such records forbid ("Iteration is not allowed on `@record` RunOpConcurrency"). Here the step's arguments
# travel inside a callable object instead; only the dependency futures are arguments. Everything else (one
# dask task per step, sequenced by dependency futures, dask resource requirements from step tags) is
# dagster-dask's own code.
# ------------------------------------------------------------------------------------------------------------


class _StepOnWorker:
    """A picklable callable that runs one step of a run on a dask worker (dagster-dask's query_on_dask_worker)."""

    def __init__(self, recon_job, dagster_run, run_config, step_keys, instance_ref, known_state) -> None:
        self.payload = (recon_job, dagster_run, run_config, step_keys, instance_ref, known_state)

    def __call__(self, dependencies):
        from dagster_dask.executor import query_on_dask_worker

        return query_on_dask_worker(dependencies, *self.payload)


def _dask_executor_class():
    from dagster_dask.executor import DaskExecutor, get_dask_resource_requirements

    class NewsledgerDaskExecutor(DaskExecutor):
        def execute(self, plan_context, execution_plan):
            import dask.distributed
            from dagster._core.errors import raise_execution_interrupts
            from dagster._core.events import DagsterEvent
            from dagster._utils import iterate_with_context

            if not plan_context.instance.is_persistent:
                raise dg.DagsterInvariantViolationError("Dask execution requires a persistent DagsterInstance")
            if self.cluster_type == "existing":
                cluster = self.cluster_configuration["address"]
            elif self.cluster_type == "local":
                cluster = dask.distributed.LocalCluster(**self.build_dict(plan_context.job_name))
            else:
                raise dg.DagsterInvariantViolationError(f"cluster type {self.cluster_type!r}: use 'existing' or 'local' here")
            with dask.distributed.Client(cluster) as client:
                futures, by_step = [], {}
                for level in execution_plan.get_steps_to_execute_by_level():
                    for step in level:
                        deps = [by_step[k] for step_input in step.step_inputs for k in step_input.dependency_keys]
                        task = _StepOnWorker(
                            plan_context.reconstructable_job,
                            plan_context.dagster_run,
                            plan_context.run_config,
                            [step.key],
                            plan_context.instance.get_ref(),
                            execution_plan.known_state,
                        )
                        fut = client.submit(
                            task,
                            deps,
                            key=f"{plan_context.job_name}.{step.key}.{plan_context.dagster_run.run_id}",
                            resources=get_dask_resource_requirements(step.tags),
                            pure=False,
                        )
                        futures.append(fut)
                        by_step[step.key] = fut
                done = dask.distributed.as_completed(futures, with_results=True)
                for _future, events in iterate_with_context(raise_execution_interrupts, done):
                    for event in events:
                        if not isinstance(event, DagsterEvent):
                            raise TypeError(f"expected a DagsterEvent from the dask worker, got {type(event)}")
                        yield event

    return NewsledgerDaskExecutor


@dg.executor(
    name="dask",
    config_schema={
        "cluster": dg.Field(
            dg.Selector(
                {
                    "existing": dg.Field({"address": dg.StringSource}, description="Connect to an existing scheduler."),
                    "local": dg.Field(dg.Permissive(), is_required=False, description="A LocalCluster in this process."),
                }
            )
        )
    },
    requirements=dg.multiple_process_executor_requirements(),
)
def dask_executor(init_context):
    """dagster-dask's executor on a dask.distributed cluster: one dask task per step."""
    ((cluster_type, cluster_configuration),) = init_context.executor_config["cluster"].items()
    return _dask_executor_class()(cluster_type, cluster_configuration)
