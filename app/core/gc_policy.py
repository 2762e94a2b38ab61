"""Keep the garbage collector's full passes off the request path.

CPython's cyclic collector now and then walks every tracked object of the oldest generation:
for this app (FastAPI, SQLAlchemy, Folium, Jinja, pydantic models) that is hundreds of
thousands of objects built at import time that live as long as the process. A request that
triggers such a pass waits for it: under load it was every sixteenth request or so, and it set
the one-item p99 at about 100 ms against a p50 of 7 ms (wrk -t2 -c8 on one worker; bench/NOTES.md).
`gc.freeze()` after start-up moves those objects out of the collector's sight (they are never
garbage), so a full pass only walks what requests created; with it the same p99 was 26 ms.
Cycles made by requests are still collected as before.
"""

import gc


def freeze_startup_heap() -> None:
    """Collect what start-up left behind, then exempt every surviving object from later passes."""
    gc.collect()
    gc.freeze()


def thaw_heap() -> None:
    """At shutdown: hand the frozen objects back, so a process that builds many apps (the tests) frees them."""
    gc.unfreeze()
