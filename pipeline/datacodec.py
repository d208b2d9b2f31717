"""Records as JSON, for the caches a run reads back: data, never code.

`dumps(obj)` writes dataclass records, lists, tuples, dicts, dates, strings, numbers, booleans and None as JSON;
`loads(data, classes)` reads them back, building only the record classes it is given (by name), so a planted or
damaged cache file can at worst fail to load (a `ValueError`), never run anything. Used by the ingest cache
(pipeline.ingest.cache) and the extraction cache (pipeline.extract.cache) instead of pickle.

Encoding: a record is `{"@": class name, "v": [field values in order]}`, a tuple `{"@t": [...]}`, a date
`{"@d": "YYYY-MM-DD"}`, a dict `{"@m": [[key, value], ...]}`; lists are JSON arrays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any


def _enc(o: Any) -> Any:
    if o is None or isinstance(o, (str, bool, int, float)):
        return o
    if isinstance(o, list):
        return [_enc(x) for x in o]
    if isinstance(o, tuple):
        return {"@t": [_enc(x) for x in o]}
    if isinstance(o, dict):
        return {"@m": [[_enc(k), _enc(v)] for k, v in o.items()]}
    if isinstance(o, dt.datetime):
        raise TypeError("datetimes are not cached (dates only)")
    if isinstance(o, dt.date):
        return {"@d": o.isoformat()}
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return {"@": type(o).__name__, "v": [_enc(getattr(o, f.name)) for f in dataclasses.fields(o)]}
    raise TypeError(f"cannot cache a {type(o).__name__}")


def dumps(obj: Any) -> bytes:
    return json.dumps(_enc(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def loads(data: bytes, classes: dict[str, type]) -> Any:
    """The object `dumps` wrote; raises ValueError for anything else (unknown record class, bad shape)."""

    def dec(o: Any) -> Any:
        if isinstance(o, list):
            return [dec(x) for x in o]
        if not isinstance(o, dict):
            return o
        if "@" in o:
            cls = classes.get(o["@"])
            if cls is None:
                raise ValueError(f"not a cached record class: {o['@']!r}")
            return cls(*[dec(x) for x in o["v"]])
        if "@t" in o:
            return tuple(dec(x) for x in o["@t"])
        if "@d" in o:
            return dt.date.fromisoformat(o["@d"])
        if "@m" in o:
            return {dec(k): dec(v) for k, v in o["@m"]}
        raise ValueError("not a cached value")

    try:
        return dec(json.loads(data.decode("utf-8", "surrogatepass")))
    except (TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise ValueError(f"not a cache file of this pipeline: {exc}") from None


def record_classes(module) -> dict[str, type]:
    """Every dataclass defined in `module`, by name."""
    return {n: c for n, c in vars(module).items() if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == module.__name__}
