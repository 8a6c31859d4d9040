"""What the benchmark scripts share: one core, memory readings, the data folder."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """One BLAS thread for this process and its children (call before importing numpy)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"


def single_core() -> None:
    """Pin this process to one CPU and one BLAS thread (call before importing numpy)."""
    one_blas_thread()
    if hasattr(os, "sched_setaffinity"):
        allowed = os.sched_getaffinity(0)
        running_on = _current_cpu()
        os.sched_setaffinity(0, {running_on if running_on in allowed else max(allowed)})


def _current_cpu() -> int | None:
    """The CPU this process runs on now (Linux), where the scheduler put it:
    a fixed choice would stack two benchmarks started together on one core,
    each at half speed, while the other core idles."""
    try:
        with open("/proc/self/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[36])
    except (OSError, IndexError, ValueError):
        return None


def rss_bytes() -> int:
    """Resident memory of this process now (Linux), else its peak so far."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return peak_rss_bytes()


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle
                     if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def best_of(function, repeats: int = 3) -> float:
    """The fastest of ``repeats`` timings of ``function()``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def serve_worker(worker_arg: str | None, worker, setup) -> bool:
    """In the fresh process ``in_fresh_process`` started with ``--worker X``:
    ``setup()``, print ``worker(X)`` as JSON and say so (the caller returns)."""
    if not worker_arg:
        return False
    setup()
    print(json.dumps(worker(worker_arg)))
    return True


def in_fresh_process(script: str, *args: str) -> dict | str:
    """Run ``python script *args`` and parse the JSON it prints; on failure, the
    last line it wrote to stderr (e.g. that a peer is not installed)."""
    done = subprocess.run([sys.executable, script, *args], capture_output=True, text=True)
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    return json.loads(done.stdout)
