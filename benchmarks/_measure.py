"""Run one command and print its cost as JSON: the harness's stopwatch.

Runs in its own short-lived process (under the benchmark venv, which has psutil) so that
`getrusage(RUSAGE_CHILDREN)` starts from zero: that call's `ru_maxrss` is a high-water
mark for the whole life of the calling process, so measuring several commands from the
harness process itself would report the largest of them all every time.

Usage: python _measure.py CWD -- COMMAND...
Prints: {"wall": s, "cpu": s, "rc": int, "max_rss_mb": ..., "tree_peak_mb": ...,
         "main_peak_mb": ..., "worker_peak_mb": ..., "workers": n, "stderr": "..."}
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time

import psutil

# 20 ms keeps the sampling overhead small on a shared 2-core machine while still seeing
# pool workers that live for a fraction of a second.
SAMPLE_INTERVAL = 0.02
MB = 1024 * 1024


def measure(cwd: str, command: list[str]) -> dict[str, object]:
    peaks: dict[int, int] = {}
    tree_peak = 0
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = psutil.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        while process.poll() is None:
            try:
                members = [process, *process.children(recursive=True)]
            except psutil.Error:
                members = [process]
            total = 0
            for member in members:
                try:
                    rss = member.memory_info().rss
                except psutil.Error:  # exited between listing and reading
                    continue
                total += rss
                peaks[member.pid] = max(peaks.get(member.pid, 0), rss)
            tree_peak = max(tree_peak, total)
            time.sleep(SAMPLE_INTERVAL)
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read()[-2000:].decode("utf-8", "replace")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = {pid: rss for pid, rss in peaks.items() if pid != process.pid}
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rc": process.returncode,
        # Kernel-accounted peak of the largest single process of the tree (KiB on Linux):
        # exact even for peaks between two samples, so it is what the per-worker target uses.
        "max_rss_mb": usage.ru_maxrss * 1024 / MB,
        "tree_peak_mb": tree_peak / MB,
        "main_peak_mb": peaks.get(process.pid, 0) / MB,
        "worker_peak_mb": max(workers.values(), default=0) / MB,
        "workers": len(workers),
        "stderr": stderr,
    }


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--":
        raise SystemExit("usage: _measure.py CWD -- COMMAND...")
    print(json.dumps(measure(argv[0], argv[2:])))


if __name__ == "__main__":
    main(sys.argv[1:])
