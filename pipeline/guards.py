"""What the CLI checks before it starts a run, and how it ends one that cannot go on: one line each, exit 2.

- bad settings (`pipeline.settings`);
- an empty `--articles`/`--warehouse` (an unset shell variable would otherwise mean the current folder);
- an articles folder that is a system tree (`/`, `/proc`, `/sys`, `/dev`): walking it reads the machine;
- a warehouse path DuckDB would misread (a `?` starts DuckDB's connection options);
- a warehouse that cannot be written (read-only, permission) or has no space left;
- an articles folder with no input where the last publication held articles (an unmounted or emptied folder
  would replace the publication with an empty one), unless `--allow-empty`;
- SIGTERM and SIGINT end the CLI with "stopped; the published tables are unchanged" (or say that the run had
  published before the stop), after removing what the run left in the warehouse's scratch folder.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import tempfile
from pathlib import Path

SYSTEM_TREES = ("/proc", "/sys", "/dev")
UNCHANGED = "the published tables are unchanged"


class Refused(Exception):
    """A one-line reason why the CLI will not run (exit 2)."""


def check_settings() -> None:
    from pipeline.settings import SettingsError, settings

    try:
        settings()
    except SettingsError as exc:
        raise Refused(str(exc)) from None


def articles_folder(raw: str) -> Path:
    if not raw.strip():
        raise Refused("--articles is empty (an unset variable?): give the folder of articles")
    path = Path(raw).resolve()
    if str(path) == "/" or any(str(path) == t or str(path).startswith(t + "/") for t in SYSTEM_TREES):
        raise Refused(f"--articles {path} is a system folder, not a folder of articles: give the folder that holds them")
    try:
        is_dir = path.is_dir()
        if is_dir:
            os.listdir(path)
    except OSError as exc:
        raise Refused(f"cannot read the articles folder {path}: {exc.strerror or exc}") from None
    if not is_dir:
        raise Refused(f"articles folder {path} does not exist or is not a folder")
    return path


def disk_message(exc: OSError, warehouse: Path) -> str | None:
    """The one line for an error of the file system under `warehouse`, or None for other errors."""
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return f"no space left in {warehouse}: {UNCHANGED}"
    if exc.errno == errno.EROFS:
        return f"{warehouse} is on a read-only file system: {UNCHANGED}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"cannot write to {warehouse} (permission denied; the warehouse must be writable by whoever runs the pipeline): {UNCHANGED}"
    return None


def warehouse_folder(raw: str) -> Path:
    """The warehouse folder, created if needed and checked for writing (a small temporary file)."""
    if not raw.strip():
        raise Refused("--warehouse is empty (an unset variable?): give the warehouse folder")
    path = Path(raw).resolve()
    if "?" in str(path):
        raise Refused(f"the warehouse path {path} contains '?', which DuckDB reads as the start of connection "
                      "options: choose a path without '?'")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-") as fh:
            fh.write(b"x" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise Refused(disk_message(exc, path) or f"cannot use {path} as the warehouse: {exc.strerror or exc}") from None
    return path


def published_articles(warehouse: Path) -> int:
    """Rows of the published articles table (0 when nothing is published or it cannot be read)."""
    try:
        import pyarrow.parquet as pq

        return pq.ParquetFile(warehouse / "parquet" / "articles.parquet").metadata.num_rows
    except Exception:  # noqa: BLE001 - no readable publication
        return 0


def check_not_emptied(snapshot, articles: Path, warehouse: Path, allow_empty: bool) -> None:
    if allow_empty or snapshot.n_entries:
        return
    held = published_articles(warehouse)
    if held:
        raise Refused(f"{articles} holds no input, while the publication in {warehouse} holds {held} articles: "
                      "refusing to replace it with an empty one (an unmounted or emptied folder?); --allow-empty "
                      "publishes it anyway")


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived."""


_STOPS: list[str] = []  # the signals that arrived (Dagster may turn the exception into a failed step)
_WAKEUP: list[int] = []  # read end of the pipe the interpreter writes each arriving signal's number to


_DEFAULT_UNRAISABLE: list = []


def _quiet_interrupts(unraisable) -> None:
    """An interrupt raised inside a garbage-collector callback would be dropped by Python (after printing a
    traceback) and the run would go on: send the signal again, so that it interrupts the code that runs next."""
    if isinstance(unraisable.exc_value, (KeyboardInterrupt, Stopped)) or \
            type(unraisable.exc_value).__name__ == "DagsterExecutionInterruptedError":
        seen = _signals_seen() or _STOPS
        os.kill(os.getpid(), signal.Signals[seen[-1]] if seen else signal.SIGINT)
        return
    _DEFAULT_UNRAISABLE[0](unraisable)


def stop_on_signals() -> None:
    """SIGTERM and SIGINT raise `Stopped` in the main thread. While a run executes, Dagster puts its own handler
    in place (both signals interrupt the step); which signal came is then read from the interpreter's wakeup pipe,
    which records every signal whatever handler runs."""
    def handler(signum, frame):
        name = signal.Signals(signum).name
        _STOPS.append(name)
        raise Stopped(name)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    if sys.unraisablehook is not _quiet_interrupts:
        _DEFAULT_UNRAISABLE.append(sys.unraisablehook)
        sys.unraisablehook = _quiet_interrupts
    if not _WAKEUP:
        r, w = os.pipe()
        os.set_blocking(r, False)
        os.set_blocking(w, False)
        signal.set_wakeup_fd(w, warn_on_full_buffer=False)
        _WAKEUP.append(r)


def _signals_seen() -> list[str]:
    names = list(_STOPS)
    if _WAKEUP:
        try:
            data = os.read(_WAKEUP[0], 512)
        except (BlockingIOError, OSError):
            data = b""
        for b in data:
            if b in (signal.SIGTERM, signal.SIGINT):
                names.append(signal.Signals(b).name)
                _STOPS.append(signal.Signals(b).name)
    return names


def refuse(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _step_errors(result) -> list[str]:
    out = []
    for ev in result.all_events:
        if ev.is_step_failure and ev.step_failure_data.error is not None:
            err = ev.step_failure_data.error
            while err is not None:
                out.append(f"{err.cls_name}: {err.message}")
                err = err.cause
    return out


def print_step_failures(result) -> None:
    """One line per failed step (the whole traceback is in the run's event log, and on the console with -v)."""
    for ev in result.all_events:
        if ev.is_step_failure:
            err = ev.step_failure_data.error
            text = f"{err.cls_name}: {err.message}" if err is not None else "unknown error"
            print(f"  step {ev.step_key} failed: {' '.join(text.split())[:300]}", file=sys.stderr)


def disk_failure(result, warehouse: Path) -> str | None:
    """The one line for a run whose step failed because the disk is full or read-only, else None."""
    for text in _step_errors(result):
        for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            if f"[Errno {code}]" in text or os.strerror(code) in text:
                return disk_message(OSError(code, os.strerror(code)), warehouse)
    return None


def print_extraction_problems(result) -> int:
    """Print how many articles had extraction problems (the `extraction_problems` table); returns that count."""
    n = 0
    for m in result.get_asset_materialization_events():
        if m.asset_key.to_user_string() == "extraction_problems":
            meta = m.materialization.metadata
            n = int(meta["dagster/row_count"].value) if "dagster/row_count" in meta else 0
    if n:
        print(f"extraction problems: {n} article(s) published with what was found before a problem; see the "
              "extraction_problems table for each one's reason")
    return n


def _remove_run_leftovers(warehouse: Path, run_ids: list[str], snapshot_file: Path) -> None:
    import shutil

    snapshot_file.unlink(missing_ok=True)
    for run_id in run_ids:
        shutil.rmtree(warehouse / ".staging" / run_id, ignore_errors=True)
    try:
        from pipeline.publish.writer import remove_leftovers, writer_lock

        with writer_lock(warehouse, timeout_s=5):
            remove_leftovers(warehouse, keep=set())
    except Exception:  # noqa: BLE001 - the next publish removes them too
        pass
    try:
        (warehouse / ".staging").rmdir()
    except OSError:
        pass


def launch_guarded(job, run_config: dict, trigger: str, tags: dict, warehouse: Path, snapshot_file: Path, summarise,
                   verbose: bool = False) -> int:
    """`pipeline.launch.launched` with the run's ends handled: SIGTERM/SIGINT, a full or read-only disk, and the
    run's leftovers (its scratch folder, a failed publish's temporary files) removed at once."""
    from pipeline.launch import launched

    link = warehouse / "parquet"
    before = os.readlink(link) if link.is_symlink() else None
    started: list[str] = []
    stop_on_signals()
    try:
        with launched(job, run_config, trigger, tags=tags, verbose=verbose) as result:
            started.append(result.run_id)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            seen = _signals_seen()
            if seen or _interrupted(result):
                raise Stopped(seen[0] if seen else "SIGINT")
            code = summarise(result)
    except (Stopped, KeyboardInterrupt) as exc:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _remove_run_leftovers(warehouse, _recent_runs(started), snapshot_file)
        after = os.readlink(link) if link.is_symlink() else None
        what = UNCHANGED if after == before else "the run had published before the stop"
        seen = _signals_seen()
        name = seen[0] if seen else (str(exc) if isinstance(exc, Stopped) else "SIGINT")
        print(f"stopped ({name}); {what}", file=sys.stderr)
        return 2
    except OSError as exc:
        _remove_run_leftovers(warehouse, started, snapshot_file)
        message = disk_message(exc, warehouse)
        if message is None:
            raise
        return refuse(message)
    if code != 0:
        _remove_run_leftovers(warehouse, started, snapshot_file)
    snapshot_file.unlink(missing_ok=True)
    try:
        (warehouse / ".staging").rmdir()  # gone when no other run's scratch is left
    except OSError:
        pass
    return code


def _interrupted(result) -> bool:
    """Whether a step of the run failed because it was interrupted (Dagster's own SIGINT handling)."""
    return any(("Interrupt" in t or "Stopped" in t) for t in _step_errors(result))


def _recent_runs(started: list[str]) -> list[str]:
    """The run ids this CLI started (the run that a stop interrupted may not have been handed back yet)."""
    if started:
        return started
    try:
        import dagster as dg

        instance = dg.DagsterInstance.get()
        pid = str(os.getpid())
        return [r.run_id for r in instance.get_runs(limit=5) if r.tags.get("newsledger/pid") == pid]
    except Exception:  # noqa: BLE001
        return []
