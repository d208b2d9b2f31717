"""What the multiprocess executor's fork server loads once, so that each step process forked from it starts warm.

Dagster's multiprocess executor (pipeline/defs/executors.py) starts every step in a process forked from a
`forkserver` that imports `preload_modules` first. Importing this module there loads, once per run:

- the definitions (`pipeline.defs`) and the Dagster storage modules a step opens the instance with (SQLite run,
  event log and schedule storage, alembic, SQLAlchemy): about 2 s a step otherwise;
- the pandera models of every table (built from the metadata source);
- spaCy's English model and the actor registry (the extraction steps' fixed costs: about 3 s a bucket).

Forked children share these pages copy-on-write. Nothing here opens a file handle, connection or thread that a
child would inherit: the gazetteer (a read-only SQLite connection, which must not cross a fork) is opened by each
process on first use. NEWSLEDGER_WARM_MODEL=0 leaves the model out (a fork server with less memory)."""


import alembic.migration  # noqa: F401
import dagster._core.instance.factory  # noqa: F401
import dagster._core.storage.event_log.sqlite  # noqa: F401
import dagster._core.storage.runs.sqlite  # noqa: F401
import dagster._core.storage.schedules.sqlite  # noqa: F401
import sqlalchemy  # noqa: F401

import pipeline.defs  # noqa: F401
from schemas.models import pandera_schema
from schemas.metadata import TABLE_ORDER

for _name in TABLE_ORDER:
    pandera_schema(_name)

from pipeline.settings import settings

if settings().warm_model:
    from pipeline.extract.actors import load_registry
    from pipeline.extract.nlp import load_nlp

    load_nlp()
    load_registry()
    # One short article through every extractor fills the lazily built lexicons, patterns and gazetteer indexes
    # (about 2 s that each extraction step would otherwise spend on its first article); the gazetteer's SQLite
    # connection is closed again, so that each child opens its own.
    from pipeline.extract import iter_extractions
    from pipeline.extract.places import load_gazetteer
    from pipeline.ingest.corpus import read_input  # noqa: F401 - the ingest modules, for the ingest step
    from pipeline.extract.types import Article

    _text = ("More than 1,200 people fled their homes in Idlib province between Jan. 20 and 26, the United Nations "
             "said on Monday, after Syrian government forces shelled Maarat al-Numan and Russian warplanes struck "
             "nearby villages.")
    list(iter_extractions([Article(article_id="art_warmup", text=_text, text_sha256="", title=None, url=None, outlet=None,
                                   published_at=None, published_at_source="unknown", language="en", source_file="warmup",
                                   source_format="txt", n_words=len(_text.split()))]))
    from pipeline.extract.recase import recase_for_nlp

    recase_for_nlp(_text.lower())  # the name index for articles written all in lower case
    load_gazetteer().close()
