"""Provides ``paused_gc``: the cyclic garbage collector paused while a bulk job (an import,
an optimisation) builds hundreds of thousands of small objects it keeps until the end."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, then restore its previous state.

    Every collection the allocations trigger would walk all the live tuples again (a tenth
    of a large import, half of an optimiser's log scan). The bulk jobs make no reference
    cycles; reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
