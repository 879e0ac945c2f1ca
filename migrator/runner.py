"""Run the engine over many files, in a process pool when there are several."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Callable, Optional

from migrator.files import WriteRefused, read_source, write_atomically
from migrator.model import FileResult
from migrator.rule import RulePack
from migrator.settings import Settings

DEFAULT_PACK = "migrator_rules"


@cache
def load_pack(module_name: str = DEFAULT_PACK) -> RulePack:
    """The rule pack a module exposes as `PACK` (loaded once per process)."""
    pack = importlib.import_module(module_name).PACK
    assert isinstance(pack, RulePack)
    return pack


@dataclass(frozen=True)
class Job:
    """What a worker needs besides the path; plain data so it pickles."""

    settings: Settings
    pack_name: str = DEFAULT_PACK
    fix: bool = False
    write: bool = False  # False with --diff: compute the fix, never touch the file
    keep_old: bool = False


def process_file(path: str, job: Job) -> FileResult:
    from migrator.engine import check_source
    from migrator.notebook import NOTEBOOK_SUFFIX, check_notebook

    check = check_notebook if path.endswith(NOTEBOOK_SUFFIX) else check_source

    try:
        snapshot = read_source(path)
    except IsADirectoryError:
        return FileResult(path=path, error="is a directory")
    except OSError as error:
        return FileResult(path=path, error=f"cannot read: {error.strerror or error}")
    try:
        result = check(
            path,
            snapshot.data,
            job.settings,
            load_pack(job.pack_name),
            fix=job.fix,
            keep_old=job.keep_old,
        )
    except Exception as error:  # a bug in a rule must not stop the run
        return FileResult(path=path, error=f"internal error: {type(error).__name__}: {error}")
    if job.write and result.new_source is not None:
        try:
            write_atomically(path, result.new_source, snapshot)
            result.written = True
        except WriteRefused as refused:
            result.error = str(refused)
            for finding in result.findings:
                finding.fixed = False
    if not job.keep_old:
        result.new_source = None if result.written else result.new_source
    return result


def _process_chunk(args: tuple[list[str], Job]) -> list[FileResult]:
    paths, job = args
    return [process_file(path, job) for path in paths]


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_files(
    paths: Sequence[str],
    job: Job,
    jobs: Optional[int] = None,
    progress: Optional[Callable[[int], None]] = None,
) -> Iterator[FileResult]:
    """Results in the order of `paths`."""
    workers = min(jobs or default_jobs(), max(1, len(paths)))
    if workers <= 1 or len(paths) < 2:
        for path in paths:
            yield process_file(path, job)
            if progress:
                progress(1)
        return
    # Chunks amortise the pickling and scheduling cost over many small files, while
    # staying small enough that both workers stay busy to the end.
    size = max(1, min(64, len(paths) // (workers * 8) or 1))
    chunks = [(list(paths[i : i + size]), job) for i in range(0, len(paths), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for results in pool.map(_process_chunk, chunks):
            yield from results
            if progress:
                progress(len(results))
