"""Batches of work on several cores, in input order and in bounded memory:
what the command line's ``--jobs`` runs on.

A job is a picklable ``function(settings, batch)``; each worker process keeps
what it loads once (a model, through ``cached``), so only batches and their
results cross between processes. At most a few batches per worker are in
flight, so memory stays constant however long the input is; results come back
in the order the batches went in.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

Batch = TypeVar("Batch")
Result = TypeVar("Result")

IN_FLIGHT_PER_WORKER = 2  # enough to keep each worker busy while results are written


def available_cores() -> int:
    """The cores this process may run on (its affinity, where the OS says)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every OS
        return os.cpu_count() or 1


def resolve_jobs(jobs: int) -> int:
    """``jobs`` processes, 0 meaning every available core."""
    if jobs < 0:
        raise ValueError(f"jobs must be 0 (all cores) or more, not {jobs}")
    return available_cores() if jobs == 0 else jobs


def ordered_map(function: Callable[[Hashable, Batch], Result], settings: Hashable,
                batches: Iterable[Batch], jobs: int) -> Iterator[Result]:
    """``function(settings, batch)`` for every batch, in order: in this process
    when ``jobs`` is 1, else in that many worker processes. A worker's
    exception (or its death) is raised here; nothing after it is yielded."""
    jobs = resolve_jobs(jobs)
    if jobs == 1:
        for batch in batches:
            yield function(settings, batch)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: deque[Future] = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(function, settings, batch))
                if len(pending) >= jobs * IN_FLIGHT_PER_WORKER:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # an error or a consumer that stopped early: drop the queued work
            for future in pending:
                future.cancel()


def cached(loader: Callable[[Hashable], object]) -> Callable[[Hashable], object]:
    """``loader(settings)`` once per process and settings (a worker loads its
    model on its first batch, then keeps it)."""
    return functools.lru_cache(maxsize=4)(loader)
