"""The runner and the atomic writer under failure: dead workers, owners, one-line errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import migrator.engine
import migrator.runner
from migrator.files import read_source, write_atomically
from migrator.model import FileResult
from migrator.runner import CRASHED, Job, run_files
from migrator.settings import Settings
from tests.helpers import fixed, settings

LEGACY = '''from openai import OpenAI

client = OpenAI()
response = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
print(response.choices[0].text)
'''


def test_a_worker_that_dies_costs_one_file_not_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"f{i:02}.py" for i in range(30)]
    for name in names:
        (tmp_path / name).write_text(LEGACY)
    real = migrator.runner.process_file

    def process_file(path: str, job: Job, **options: bool) -> FileResult:
        if path.endswith("f13.py"):
            os._exit(1)  # what a segfault in the native parser or an OOM kill looks like
        return real(path, job, **options)

    # Workers are forked from this process (Linux), so they see the patched function.
    monkeypatch.setattr(migrator.runner, "process_file", process_file)
    if migrator.runner.ProcessPoolExecutor(1)._mp_context.get_start_method() != "fork":  # type: ignore[attr-defined]
        pytest.skip("workers are not forked here; the patch would not reach them")
    paths = [str(tmp_path / name) for name in names]
    results = list(run_files(paths, Job(settings(), fix=True, write=True), jobs=2))
    assert [r.path for r in results] == paths  # every file, in order
    crashed = [r for r in results if r.error]
    assert [(r.path, r.error) for r in crashed] == [(str(tmp_path / "f13.py"), CRASHED)]
    for name in names:
        expected = LEGACY if name == "f13.py" else fixed(LEGACY)
        assert (tmp_path / name).read_text() == expected


def test_internal_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "x.py").write_text(LEGACY)

    def broken(*args: object, **kwargs: object) -> FileResult:
        raise ValueError("first line\nsecond line\n\tthird")

    monkeypatch.setattr("migrator.engine.check_source", broken)
    result = migrator.runner.process_file(str(tmp_path / "x.py"), Job(Settings()))
    assert result.error is not None and "\n" not in result.error
    assert result.error.startswith("internal error: ValueError: first line second line third")


def test_write_keeps_the_owner_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text("old\n")
    path.chmod(0o640)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(path, 1234, 5678)  # root can: then the rewrite must give it back
    before = path.stat()
    write_atomically(str(path), b"new\n", read_source(str(path)))
    after = path.stat()
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)


def test_the_cycle_collector_waits_for_the_end_of_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Collections during a file walk its live trees over and over (a tenth of a dense
    run); one collection after it frees the same cycles. A failing file must not leave
    the collector off."""
    import gc

    (tmp_path / "legacy.py").write_text(LEGACY)
    (tmp_path / "broken.py").write_text(LEGACY)
    seen: list[bool] = []
    collected: list[int] = []
    real_check = migrator.engine.check_source

    def check_source(path: str, *args: object, **kwargs: object) -> FileResult:
        seen.append(gc.isenabled())
        if path.endswith("broken.py"):
            raise ValueError("a bug in a rule")
        return real_check(path, *args, **kwargs)  # type: ignore[arg-type]

    def collect(generation: int = 2) -> int:
        collected.append(generation)
        return 0

    monkeypatch.setattr(migrator.engine, "check_source", check_source)
    monkeypatch.setattr(gc, "collect", collect)
    assert gc.isenabled()
    job = Job(settings())
    for name in ("legacy.py", "broken.py"):
        migrator.runner.process_file(str(tmp_path / name), job)
        assert gc.isenabled()
    assert seen == [False, False]
    assert collected == [0, 0]


def test_workers_leave_the_writes_to_the_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that dies (segfault, OOM kill) can then never leave a half-done write,
    and the parent's writes (and their fsync waits) overlap the workers' analysis."""
    names = [f"w{i:02}.py" for i in range(12)]
    for name in names:
        (tmp_path / name).write_text(LEGACY)
    log = tmp_path / "writers.log"
    real = migrator.runner.write_atomically

    def write_atomically(path: str, data: bytes, original: object) -> None:
        with open(log, "a") as handle:  # forked workers would share the patch, not a list
            handle.write(f"{os.getpid()}\n")
        real(path, data, original)  # type: ignore[arg-type]

    monkeypatch.setattr(migrator.runner, "write_atomically", write_atomically)
    if migrator.runner.ProcessPoolExecutor(1)._mp_context.get_start_method() != "fork":  # type: ignore[attr-defined]
        pytest.skip("workers are not forked here; the patch would not reach them")
    job = Job(settings(), fix=True, write=True)
    results = list(run_files([str(tmp_path / name) for name in names], job, jobs=2))
    assert all(result.written and result.error is None for result in results)
    assert all(result.new_source is None and result.unwritten is None for result in results)
    assert log.read_text().split() == [str(os.getpid())] * len(names)
    assert all((tmp_path / name).read_text() == fixed(LEGACY) for name in names)


def test_workers_leave_the_cache_entries_to_the_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"c{i:02}.py" for i in range(12)]
    for name in names:
        (tmp_path / name).write_text(LEGACY)
    log = tmp_path / "writers.log"
    real = migrator.runner.write_entry

    def write_entry(location: str, payload: bytes) -> None:
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        real(location, payload)

    monkeypatch.setattr(migrator.runner, "write_entry", write_entry)
    if migrator.runner.ProcessPoolExecutor(1)._mp_context.get_start_method() != "fork":  # type: ignore[attr-defined]
        pytest.skip("workers are not forked here; the patch would not reach them")
    job = Job(settings()).with_cache(str(tmp_path / "cache"))
    paths = [str(tmp_path / name) for name in names]
    first = list(run_files(paths, job, jobs=2))
    assert all(result.cache_entry is None for result in first)
    assert log.read_text().split() == [str(os.getpid())] * len(names)
    assert len(list((tmp_path / "cache").rglob("*.json"))) == len(names)
    again = list(run_files(paths, job, jobs=2))  # every answer now comes from the cache
    assert [r.findings for r in again] == [r.findings for r in first]
    assert len(log.read_text().split()) == len(names)


@pytest.mark.parametrize(("count", "workers"), [(0, 2), (1, 2), (5, 2), (100, 2), (7829, 2), (7829, 8)])
def test_chunks_cover_every_file_once_and_shrink_towards_the_end(count: int, workers: int) -> None:
    from migrator.runner import _chunk_bounds

    bounds = _chunk_bounds(count, workers)
    assert [i for start, end in bounds for i in range(start, end)] == list(range(count))
    sizes = [end - start for start, end in bounds]
    assert all(1 <= size <= 64 for size in sizes)
    assert sizes == sorted(sizes, reverse=True)
    if count >= 1000:
        assert sizes[0] == 64 and sizes[-1] == 1
