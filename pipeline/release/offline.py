"""Make Great Expectations Data Docs work offline, from `file://`: the scripts and styles GX loads from CDNs are
replaced by the copies vendored in `pipeline/release/assets/vendor/` (jQuery, Popper, Bootstrap, bootstrap-table
and its filter control, the date picker the filter control calls, Font Awesome's solid and regular icons; MIT,
Apache-2.0, SIL OFL 1.1 and CC BY 4.0, see LICENSES.txt and fontawesome-6.6.0/LICENSE.txt there), and references
to what the pages do not need (Vega, the dark theme, GX's remote logo) are removed. Links to documentation pages stay links.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

VENDOR = Path(__file__).with_name("assets") / "vendor"
VENDOR_DIR = "static/vendor"  # inside the Data Docs folder

# (a piece of the CDN URL, the vendored file); in order, first match wins.
VENDORED = (
    ("jquery-3.7.1.min.js", "jquery-3.7.1.min.js"),
    ("popper.js/1.12.9/umd/popper.min.js", "popper-1.12.9.min.js"),
    ("bootstrap/4.3.1/js/bootstrap.min.js", "bootstrap-4.3.1.min.js"),
    ("bootstrap/4.3.1/css/bootstrap.min.css", "bootstrap-4.3.1.min.css"),
    ("filter-control/bootstrap-table-filter-control.min.js", "bootstrap-table-filter-control-1.19.1.min.js"),
    ("filter-control/bootstrap-table-filter-control", "bootstrap-table-filter-control-1.19.1.min.css"),
    ("bootstrap-table.min.js", "bootstrap-table-1.19.1.min.js"),
    ("bootstrap-table.min.css", "bootstrap-table-1.19.1.min.css"),
    ("bootstrap-datepicker.min.js", "bootstrap-datepicker-1.9.0.min.js"),
    ("bootstrap-datepicker.min.css", "bootstrap-datepicker-1.9.0.min.css"),
    ("font-awesome/6.6.0/css/all.min.css", "fontawesome-6.6.0/css/all.min.css"),  # status icons (solid, regular)
)
_TAG = re.compile(r"""<(script|link)\b[^>]*?\b(?:src|href)\s*=\s*["'](https?://[^"']+)["'][^>]*>(\s*</script>)?""", re.I)
_REMOTE_IMG = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*["'])https?://[^"']+(["'])""", re.I)
_LOCAL_STATIC = re.compile(r"""(<link\b[^>]*?\bhref\s*=\s*["'])(?:\.\./)*static/""", re.I)
REMOTE_ASSET = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']https?://""", re.I)


def _local(url: str) -> str | None:
    for piece, name in VENDORED:
        if piece in url:
            return name
    return None


def _rewrite(html: str, prefix: str) -> str:
    def tag(m: re.Match) -> str:
        kind, url = m.group(1).lower(), m.group(2)
        name = _local(url)
        if name is None:
            return ""  # not needed offline
        if kind == "script":
            return f'<script src="{prefix}{VENDOR_DIR}/{name}"></script>'
        return f'<link rel="stylesheet" href="{prefix}{VENDOR_DIR}/{name}">'

    html = _TAG.sub(tag, html)
    html = _LOCAL_STATIC.sub(lambda m: f"{m.group(1)}{prefix}static/", html)  # GX links some at a wrong depth
    return _REMOTE_IMG.sub(lambda m: f"{m.group(1)}{prefix}static/images/logo-long.png{m.group(2)}", html)


def make_offline(docs_dir: Path) -> None:
    """Rewrite every HTML page of the Data Docs in `docs_dir` to use only local files."""
    docs_dir = Path(docs_dir)
    shutil.copytree(VENDOR, docs_dir / VENDOR_DIR, dirs_exist_ok=True)
    for page in sorted(docs_dir.rglob("*.html")):
        depth = len(page.relative_to(docs_dir).parts) - 1
        prefix = "../" * depth
        html = page.read_text(encoding="utf-8")
        page.write_text(_rewrite(html, prefix), encoding="utf-8")


def remote_assets(folder: Path) -> list[str]:
    """Pages under `folder` that still load a script, style or image over http(s): `page: tag` lines."""
    out = []
    for page in sorted(Path(folder).rglob("*.html")):
        for m in REMOTE_ASSET.finditer(page.read_text(encoding="utf-8", errors="replace")):
            out.append(f"{page.relative_to(folder).as_posix()}: {m.group(0)[:120]}")
    return out
