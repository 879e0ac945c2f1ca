"""Run the engine over many files, in a process pool when there are several."""

from __future__ import annotations

import ast
import dataclasses
import gc
import importlib
import os
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Callable, Optional, cast

from migrator.cache import Cache, fingerprint, write_entry
from migrator.files import Snapshot, WriteRefused, read_source, write_atomically
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
    # Findings carry the text their fix writes (a display choice: JSON and SARIF show it).
    previews: bool = False
    cache_dir: Optional[str] = None  # None: no cache (--no-cache)

    def with_cache(self, directory: Optional[str]) -> Job:
        return dataclasses.replace(self, cache_dir=directory, cache_fingerprint=fingerprint(self.settings, self.pack_name))

    cache_fingerprint: str = ""


def process_file(path: str, job: Job, *, defer_write: bool = False) -> FileResult:
    """Check (or fix) one file. With `defer_write`, a fixed file is not written here but
    handed back with its snapshot for `finish_write` (see `run_files`)."""
    from migrator.engine import check_source
    from migrator.notebook import NOTEBOOK_SUFFIX, check_notebook

    check = check_notebook if path.endswith(NOTEBOOK_SUFFIX) else check_source

    try:
        snapshot = read_source(path)
    except IsADirectoryError:
        return FileResult(path=path, error="is a directory")
    except OSError as error:
        return FileResult(path=path, error=f"cannot read: {_one_line(error.strerror or str(error))}")
    cache = _cache(job) if check is check_source else None
    if cache is not None:
        cached = cache.lookup(path, snapshot.data, previews=job.previews)
        # A cached check result stands for `check`; for `fix` only a clean one does
        # (nothing to fix), since fixing must see the tree.
        if cached is not None and (not job.fix or (not cached.findings and cached.error is None)):
            return cached
    native: Optional[ast.Module] = None
    # Most files of a code base fail the prefilter and cost next to nothing.
    heavy = check is not check_source or bool(load_pack(job.pack_name).prefilter.search(snapshot.data))
    if heavy and check is check_source:
        hazard, native = native_parse(snapshot.data)
        if hazard is not None:
            return FileResult(path=path, error=hazard)
    try:
        with _collect_once(heavy):
            result = _check(check, path, snapshot.data, job, native)
    except RecursionError:
        # LibCST walks the tree recursively; a legal but deeply nested expression can
        # exhaust Python's recursion limit after the parse succeeded.
        return FileResult(
            path=path, error="too deeply nested to analyse (Python's recursion limit); skipped"
        )
    except Exception as error:  # a bug in a rule must not stop the run
        detail = _one_line(f"{type(error).__name__}: {error}")
        return FileResult(path=path, error=f"internal error: {detail}; please report this")
    if cache is not None and not job.fix and not (result.error or "").startswith("internal error"):
        if defer_write:
            result.cache_entry = cache.entry(path, snapshot.data, result, previews=job.previews)
        else:
            cache.store(path, snapshot.data, result, previews=job.previews)
    if job.write and result.new_source is not None:
        if defer_write:
            result.unwritten = snapshot
            return result
        _write(result, snapshot)
    if not job.keep_old:
        result.new_source = None if result.written else result.new_source
    return result


def finish_write(result: FileResult, job: Job) -> None:
    """Write what a worker fixed, and the cache entry it made, where it left them to this
    process (nothing if it left nothing)."""
    if result.cache_entry is not None:
        write_entry(*result.cache_entry)
        result.cache_entry = None
    snapshot = result.unwritten
    if snapshot is None:
        return
    result.unwritten = None
    assert isinstance(snapshot, Snapshot)
    _write(result, snapshot)
    if not job.keep_old:
        result.new_source = None if result.written else result.new_source


def _write(result: FileResult, snapshot: Snapshot) -> None:
    assert result.new_source is not None
    try:
        write_atomically(result.path, result.new_source, snapshot)
        result.written = True
    except WriteRefused as refused:
        result.error = str(refused)
        for finding in result.findings:
            finding.fixed = False


def _check(check: Callable[..., FileResult], path: str, data: bytes, job: Job, native: Optional[ast.Module]) -> FileResult:
    pack = load_pack(job.pack_name)
    if native is not None:
        return check(path, data, job.settings, pack, fix=job.fix, keep_old=job.keep_old, previews=job.previews, native=native)
    return check(path, data, job.settings, pack, fix=job.fix, keep_old=job.keep_old, previews=job.previews)


@contextmanager
def _collect_once(wanted: bool = True) -> Iterator[None]:
    """Run the cycle collector once, after the file, instead of during it.

    A file's trees (LibCST's, CPython's, the index) are hundreds of thousands of
    objects that all die together when the file is done. Collected at the default
    thresholds, they are traversed again and again while alive, and promoted to older
    generations whose full collections then walk the whole heap: a tenth of a dense
    run's time. Refcounting frees almost all of them at the end anyway; one collection
    of the youngest generation then frees the few cycles among them.
    """
    if not wanted or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


@cache
def _cache_for(directory: str, settings_fingerprint: str) -> Cache:
    return Cache(directory, settings_fingerprint)


def _cache(job: Job) -> Optional[Cache]:
    if job.cache_dir is None:
        return None
    return _cache_for(job.cache_dir, job.cache_fingerprint or fingerprint(job.settings, job.pack_name))


def _process_chunk(args: tuple[list[str], Job]) -> list[FileResult]:
    paths, job = args
    # Workers never write: the parent, idle while they work, writes their fixes and
    # cache entries (and waits for the disk) while they go on with the next files, and a
    # worker that dies can never leave a half-done write behind.
    return [process_file(path, job, defer_write=True) for path in paths]


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def native_parse(data: bytes) -> tuple[Optional[str], Optional[ast.Module]]:
    """Why LibCST must not see `data` (or None), and CPython's tree of it (if it parses).

    LibCST's native parser overflows its stack and kills the process (SIGSEGV) on
    nesting that CPython's parser refuses cleanly: thousands of nested brackets, unary
    operators or lambdas. Every such file is invalid Python anyway, so CPython's verdict
    is reported and LibCST is never asked. Other syntax errors go on to LibCST, which
    knows newer grammar than the running interpreter may. The tree is not wasted: the
    engine places findings with it.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings are the file's business
            tree = compile(data, "<source>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (RecursionError, MemoryError):
        return "too deeply nested to parse (CPython gives up too); skipped", None
    except SyntaxError as error:
        if "too many nested" in str(error) or "too complex" in str(error):
            return f"syntax error (CPython): {_one_line(str(error.msg))}; skipped", None
    except ValueError:  # null bytes: LibCST reports those itself
        pass
    else:
        return None, cast(ast.Module, tree)  # PyCF_ONLY_AST in exec mode: a Module
    return None, None


def _one_line(text: str) -> str:
    """Errors print as `path: error: message`, one line each, whatever the exception said."""
    return " ".join(text.split())


CRASHED = (
    "the worker process died while checking this file (a crash in the parser or a rule, "
    "or out of memory); skipped, please report this"
)


def _isolated(path: str, job: Job) -> FileResult:
    """Run one file in a process of its own, so that a crash names the file that caused it."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(_process_chunk, ([path], job)).result()[0]
        except BrokenProcessPool:
            return FileResult(path=path, error=CRASHED)


def _chunk_bounds(count: int, workers: int, largest: int = 64) -> list[tuple[int, int]]:
    """Chunks amortise the pickling and scheduling cost over many files; they shrink
    towards the end of the run, so that no worker is left alone with a big last one."""
    bounds = []
    start = 0
    while start < count:
        size = max(1, min(largest, (count - start) // (workers * 4)))
        bounds.append((start, start + size))
        start += size
    return bounds


def _pooled(chunks: list[tuple[list[str], Job]], workers: int) -> Iterator[list[FileResult]]:
    """Results chunk by chunk, in order, surviving workers that die (segfault, OOM kill).

    When the pool breaks, the first chunk without a result is rerun one file per process
    (the crash may have come from a chunk running beside it: that one then breaks the
    next pool and is isolated in turn), and a fresh pool takes the rest. Each round makes
    progress by at least one chunk, so the loop ends.
    """
    start = 0
    while start < len(chunks):
        pool = ProcessPoolExecutor(max_workers=workers)
        try:
            futures = [pool.submit(_process_chunk, chunk) for chunk in chunks[start:]]
            broken = False
            for future in futures:
                try:
                    results = future.result()
                except BrokenProcessPool:
                    broken = True
                    break
                start += 1
                yield results
        except BaseException:
            # Ctrl-C (or the consumer closing us): start nothing new. Chunks already
            # running finish their current file; every write is atomic either way.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)
        if not broken:
            return
        paths, job = chunks[start]
        start += 1
        yield [_isolated(path, job) for path in paths]


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
    chunks = [(list(paths[start:end]), job) for start, end in _chunk_bounds(len(paths), workers)]
    for results in _pooled(chunks, workers):
        for result in results:
            finish_write(result, job)
        yield from results
        if progress:
            progress(len(results))
