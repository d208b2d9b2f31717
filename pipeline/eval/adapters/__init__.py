"""One adapter per public benchmark file (../shared/benchmarks/): each reads its file, runs the extraction
library on its texts and maps the benchmark's labels to this project's tables.

Every adapter module exposes:
- ``FILE``: the benchmark file's path relative to the benchmarks folder;
- ``load(path) -> list[...]``: the items of the file, parsed (raises ValueError on a malformed line);
- ``evaluate(path, limit=None) -> dict``: the report (see ``pipeline.eval.report`` for its shape).

The benchmark texts are never copied into the project: they are read from the path given at run time.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from pipeline.eval.adapters import cameo_spans, gva, idetect, petrarch, petrarch_unittest, re3d

ADAPTERS: tuple[ModuleType, ...] = (idetect, re3d, petrarch, petrarch_unittest, cameo_spans, gva)


def adapter_for(path: Path) -> ModuleType | None:
    """The adapter whose FILE is the end of `path` (None when the file is not a known benchmark)."""
    p = Path(path).as_posix()
    for mod in ADAPTERS:
        if p.endswith(mod.FILE):
            return mod
    return None


def benchmark_files(folder: Path) -> list[tuple[ModuleType, Path]]:
    """The known benchmark files present under `folder`, in adapter order."""
    out = []
    for mod in ADAPTERS:
        f = Path(folder) / mod.FILE
        if f.is_file():
            out.append((mod, f))
    return out
