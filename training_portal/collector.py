"""Python's cyclic garbage collector, paused while a large page or figure set is built.

Building a venue's matrix (500 people × 10 modules) or the partnership's figures creates
hundreds of thousands of short-lived objects (rows, dates, tuples, cells) that hold no
reference cycles. Their allocations trigger collections, and each older-generation collection
walks every object the app holds (the catalog, templates, caches): about half the CPU of the
partnership overview, and the venue matrix's slow tail (p95 about twice its median,
docs/benchmarks.md). Reference counting still frees everything as usual; the collector resumes
afterwards, even on an error, and then runs as it would have. The pause is process-wide: in a
threaded worker, other requests skip cyclic collection for those ~0.1–0.2 s too (nothing is
lost).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
