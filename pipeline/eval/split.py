"""The fixed studied/checked split of every development set: an item belongs to one part by a hash of its id.

Rules are shaped on the studied part; the checked part is only scored, so that a rule that does not generalise
shows up as a gap between the two. The split never changes: it depends on the item id alone.
"""

from __future__ import annotations

import hashlib
from typing import Iterable

PARTS = ("studied", "checked")


def part_of(item_id: str) -> str:
    """"studied" or "checked" for one item id (about half each)."""
    digest = hashlib.sha256(("newsledger-split\x1f" + str(item_id)).encode("utf-8")).digest()
    return PARTS[digest[0] & 1]


def in_part(items: Iterable, part: str | None) -> list:
    """The items (objects with an ``item_id``) of one part; all of them when `part` is None."""
    if part is not None and part not in PARTS:
        raise ValueError(f"unknown part {part!r} (known: {', '.join(PARTS)})")
    return [x for x in items if part is None or part_of(x.item_id) == part]
