"""Batches of work on several cores, in input order and in bounded memory:
what the command line's ``--jobs`` runs on.

A job is a picklable ``function(settings, batch)``; each worker process keeps
what it loads once (a model, through ``cached``), so only batches and their
results cross between processes. Each worker holds one batch at a time, so
memory stays constant however long the input is; results come back in the
order the batches went in.

The workers are plain processes, each with its own pipe, rather than a
``ProcessPoolExecutor``: when one of those dies, Python 3.11's executor can
spin forever at exit (its manager thread waits for workers it cannot
count), and an interrupted run must end with every worker stopped and
reaped, never hang, never leave one running.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection, wait
from typing import TypeVar

Batch = TypeVar("Batch")
Result = TypeVar("Result")


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
    exception is raised here, its death as BrokenProcessPool; nothing after
    it is yielded, and no worker outlives the call (nor an interrupt of it)."""
    jobs = resolve_jobs(jobs)
    if jobs == 1:
        for batch in batches:
            yield function(settings, batch)
        return
    workers = [_Worker(function, settings) for _ in range(jobs)]
    try:
        source = iter(batches)
        waiting: deque[_Worker] = deque()  # the workers holding a batch, oldest batch first
        for worker in workers:
            for batch in source:
                worker.give(batch)
                waiting.append(worker)
                break
        while waiting:
            worker = waiting.popleft()
            result = worker.take()
            for batch in source:  # this worker is free: the next batch is its
                worker.give(batch)
                waiting.append(worker)
                break
            yield result
    except BaseException:  # an error, a dead worker, Ctrl-C, SIGTERM, a consumer that
        for worker in workers:  # stopped early: no worker goes on
            worker.stop(now=True)
        raise
    for worker in workers:
        worker.stop(now=False)


class _Worker:
    """One worker process and its pipe: one batch in, its result out. Never a
    second batch before the result: with a big batch and a big result, the
    pipe would fill both ways, each side waiting on the other."""

    def __init__(self, function: Callable, settings: Hashable):
        self.connection, theirs = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=_work, args=(function, settings, theirs),
                                               daemon=True)
        self.process.start()
        theirs.close()

    def give(self, batch) -> None:
        try:
            self.connection.send((batch,))
        except (BrokenPipeError, ConnectionResetError):
            self._died()

    def take(self):
        """The result of the batch given, once it is ready; the worker's
        exception raised, or BrokenProcessPool if the worker died."""
        wait([self.connection, self.process.sentinel])
        try:
            succeeded, value = self.connection.recv()
        except (EOFError, ConnectionResetError):
            self._died()
        if not succeeded:
            raise value
        return value

    def _died(self):
        self.process.join(timeout=5)
        raise BrokenProcessPool(f"a worker process died (exit code {self.process.exitcode})")

    def stop(self, now: bool) -> None:
        """End the worker: after its batch, or ``now`` (terminated); reaped."""
        if now:
            self.process.terminate()
        else:
            try:
                self.connection.send(None)
            except OSError:
                pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def _work(function: Callable, settings: Hashable, connection: Connection) -> None:
    """A worker's life: batches from the pipe until told to stop (or the
    pipe closes), each answered with (True, result) or (False, exception).
    Ctrl-C reaches a terminal's whole process group: the workers leave it to
    the first process, which stops them; SIGTERM (from it) ends a worker at
    once, whatever handler the first process had when it forked."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            answer = (True, function(settings, message[0]))
        except Exception as exc:  # sent back, raised in the first process
            answer = (False, exc)
        try:
            connection.send(answer)
        except Exception as exc:  # an exception that does not pickle: its text does
            connection.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def cached(loader: Callable[[Hashable], object]) -> Callable[[Hashable], object]:
    """``loader(settings)`` once per process and settings (a worker loads its
    model on its first batch, then keeps it)."""
    return functools.lru_cache(maxsize=4)(loader)
