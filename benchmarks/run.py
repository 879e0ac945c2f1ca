"""The performance benchmark of issue 5: build the corpora, time the cases, check targets.

    python benchmarks/run.py [--quick] [--runs N] [--migrator PATH] [--no-fixit] [--no-profile]

Everything it downloads or builds lives in `benchmarks/.cache/` (git-ignored): the
Django and SymPy wheels, the corpora, a venv with the harness's own tools (psutil,
fixit, and ruff when none is installed), and pyinstrument for the profile. It writes
`benchmarks/RESULTS.md` and `benchmarks/PROFILE.md`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import venv
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache"
TOOLS_VENV = CACHE / "venv"
WHEELS = CACHE / "wheels"
PYINSTRUMENT_LIB = CACHE / "pyinstrument-lib"
SPARSE = CACHE / "sparse"
DENSE = CACHE / "dense"
# The first tenth of the dense corpus: for fixit and the profile, which take many times
# longer than a plain run; the dense corpus is one set of programs over and over, so a
# tenth of it has the same mix (compare MB/s, not seconds).
DENSE_SLICE = CACHE / "dense-slice"
SLICE_FRACTION = 10
STARTUP = CACHE / "startup"
SCRATCH = CACHE / "scratch"
WHEEL_SPECS = ("django==5.2.*", "sympy==1.14.*")
# The same bytes the engine's prefilter looks for; grep with it is the I/O floor.
PREFILTER = "ompletion|choices"
MB = 1024 * 1024
# Marks the re-executed harness, so it does not try to bootstrap again.
ENV_INSIDE = "MIGRATOR_BENCH_INSIDE"
ENV_MIGRATOR = "MIGRATOR_BENCH_BIN"

# Each corpus root gets this file so that neither the migrator, ruff nor fixit picks up
# the configuration of the repository the cache happens to live in (whose ruff config
# excludes benchmarks/.cache, for one).
CORPUS_PYPROJECT = """\
[tool.migrator]

[tool.ruff]

[tool.fixit]
root = true
"""


# ---------------------------------------------------------------- environment


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def venv_bin(root: Path, name: str) -> Path:
    return root / ("Scripts" if os.name == "nt" else "bin") / name


def find_migrator(explicit: Optional[str]) -> Path:
    """The `migrator` to measure: explicit, next to this interpreter, the repo's .venv, PATH."""
    candidates = [
        explicit,
        os.environ.get(ENV_MIGRATOR),
        str(Path(sys.executable).parent / "migrator"),
        str(venv_bin(REPO / ".venv", "migrator")),
        shutil.which("migrator"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).absolute()
    raise SystemExit("no `migrator` found: pass --migrator PATH (e.g. .venv/bin/migrator)")


def bootstrap(args: argparse.Namespace) -> None:
    """Re-run this script inside the benchmark venv (created on first use)."""
    if os.environ.get(ENV_INSIDE) == "1":
        return
    migrator = find_migrator(args.migrator)
    python = venv_bin(TOOLS_VENV, "python")
    if not python.exists():
        log(f"creating the benchmark venv in {TOOLS_VENV}")
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS_VENV)
    pip_install(python, ["psutil"])
    env = {**os.environ, ENV_INSIDE: "1", ENV_MIGRATOR: str(migrator)}
    os.execve(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]], env)


def byte_compile(migrator: Path) -> str:
    """Compile the measured tool's modules to bytecode first, as `pip install` does.

    An editable install under PYTHONDONTWRITEBYTECODE=1 (set on some machines) would
    otherwise compile every module from source on every run, which is not what a user
    who installed the package pays and would swamp the startup cases.
    """
    python = sibling_python(migrator)
    where = subprocess.run(
        [str(python), "-c", "import migrator, migrator_rules; print(migrator.__path__[0]); print(migrator_rules.__path__[0])"],
        capture_output=True,
        text=True,
        check=False,
    )
    folders = where.stdout.split()
    if where.returncode != 0 or not folders:
        return f"bytecode: not compiled ({where.stderr.strip()[-200:]})"
    done = subprocess.run([str(python), "-m", "compileall", "-q", *folders], capture_output=True, check=False)
    state = "compiled" if done.returncode == 0 else "compiling failed"
    return f"bytecode: the measured packages were {state} first, as pip does on install ({', '.join(folders)})"


def pip_install(python: Path, packages: Sequence[str], target: Optional[Path] = None) -> bool:
    """Install what is missing; False (with the reason logged) if pip fails."""
    command = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if target is not None:
        command += ["--target", str(target)]
    completed = subprocess.run([*command, *packages], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        log(f"pip install {' '.join(packages)} failed: {completed.stderr.strip()[-500:]}")
    return completed.returncode == 0


def sibling_python(script: Path) -> Path:
    """The interpreter a console script runs under (its shebang), for the parse loop."""
    first = script.read_bytes().split(b"\n", 1)[0]
    if first.startswith(b"#!"):
        candidate = Path(first[2:].decode().strip().split()[0])
        if candidate.exists():
            return candidate
    return script.parent / "python"


def find_ruff(migrator: Path) -> Optional[Path]:
    for candidate in (shutil.which("ruff"), str(migrator.parent / "ruff")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    if pip_install(venv_bin(TOOLS_VENV, "python"), ["ruff"]):
        return venv_bin(TOOLS_VENV, "ruff")
    return None


def find_fixit() -> tuple[Optional[Path], str]:
    fixit = venv_bin(TOOLS_VENV, "fixit")
    if not fixit.exists() and not pip_install(venv_bin(TOOLS_VENV, "python"), ["fixit"]):
        return None, "fixit could not be installed (see log)"
    return (fixit, "") if fixit.exists() else (None, "fixit installed no `fixit` script")


def output_of(command: Sequence[str]) -> str:
    try:
        completed = subprocess.run(
            list(command), capture_output=True, text=True, check=False, timeout=120
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"? ({error})"
    return (completed.stdout or completed.stderr).strip()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# ---------------------------------------------------------------- corpora


def fixture_programs() -> list[Path]:
    """The rules' fixture inputs and the example project: real legacy programs."""
    found = [
        path
        for path in sorted(REPO.glob("tests/fixtures/OAI*/*.py"))
        if not path.name.endswith(".expected.py")
    ]
    found += sorted(p for p in (REPO / "examples").rglob("*.py") if p.is_file())
    return found


def fingerprint(paths: Sequence[Path], extra: str) -> str:
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def make_git_repo(root: Path) -> None:
    """Commit the corpus as its own repository, as a checked-out project would be.

    The cache folder is git-ignored by the enclosing repository, and the migrator (like
    ruff) skips ignored files, so without a repository of its own it would see nothing.
    """
    git = [
        "git",
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@localhost",
        "-c",
        "commit.gpgsign=false",
    ]
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "corpus"]):
        subprocess.run([*git, *step], cwd=root, check=True, capture_output=True)


def wheel_sources() -> dict[str, Path]:
    """The Django and SymPy wheels, downloaded from the package registry on first use."""
    WHEELS.mkdir(parents=True, exist_ok=True)
    names = [spec.split("==")[0] for spec in WHEEL_SPECS]
    if not all(any(WHEELS.glob(f"{name}-*.whl")) for name in names):
        log("downloading the Django and SymPy wheels")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--disable-pip-version-check",
                "-d",
                str(WHEELS),
                *WHEEL_SPECS,
            ],
            check=True,
        )
    return {name: sorted(WHEELS.glob(f"{name}-*.whl"))[-1] for name in names}


def _write_fresh(root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(CORPUS_PYPROJECT)


def build_sparse(wheels: dict[str, Path], programs: Sequence[Path]) -> int:
    """Django + SymPy sources with the fixture programs planted among them.

    Returns the byte size of the Django part, which the dense corpus matches.
    """
    _write_fresh(SPARSE)
    django_bytes = 0
    for name, wheel in wheels.items():
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                if info.filename.endswith(".py") and not info.filename.endswith("/"):
                    archive.extract(info, SPARSE)
                    if name == "django":
                        django_bytes += info.file_size
    # Plant each program in a different package, spread over both projects, so the legacy
    # files sit deep in the tree as they would in a real monorepo.
    packages = sorted({p.parent for p in SPARSE.rglob("*.py")})
    step = max(1, len(packages) // max(1, len(programs)))
    for index, program in enumerate(programs):
        target = packages[(index * step + step // 2) % len(packages)]
        shutil.copyfile(program, target / f"oai_legacy_{index:02d}_{program.name}")
    make_git_repo(SPARSE)
    return django_bytes


def build_dense(programs: Sequence[Path], target_bytes: int) -> None:
    """The legacy programs, copied and renamed until they weigh as much as Django's sources."""
    _write_fresh(DENSE)
    # Only files that parse and mention the API are "legacy files": a fixture for
    # syntax-error handling or a clean control file would make this corpus less dense.
    usable = []
    for program in programs:
        data = program.read_bytes()
        if not re.search(PREFILTER.encode(), data):
            continue
        try:
            compile(data, str(program), "exec")
        except SyntaxError:
            continue
        usable.append((program, data))
    if not usable:
        raise SystemExit("no fixture program with legacy calls found")
    written = count = 0
    while written < target_bytes:
        program, data = usable[count % len(usable)]
        folder = DENSE / f"pkg_{count // 100:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"legacy_{count:05d}_{program.stem}.py").write_bytes(data)
        written += len(data)
        count += 1
    make_git_repo(DENSE)
    _write_fresh(DENSE_SLICE)
    for index in range(max(1, count // SLICE_FRACTION)):
        program, data = usable[index % len(usable)]
        folder = DENSE_SLICE / f"pkg_{index // 100:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"legacy_{index:05d}_{program.stem}.py").write_bytes(data)
    make_git_repo(DENSE_SLICE)


def build_corpora(dense_scale: float) -> dict[str, object]:
    wheels = wheel_sources()
    programs = fixture_programs()
    stamp_file = CACHE / "corpora.json"
    stamp = fingerprint(
        programs, "|".join(str(w.name) for w in wheels.values()) + f"|{dense_scale}|v2"
    )
    if stamp_file.exists():
        info: dict[str, object] = json.loads(stamp_file.read_text())
        if info.get("stamp") == stamp and DENSE_SLICE.exists():
            return info
    log("building the corpora (sparse, dense)")
    django_bytes = build_sparse(wheels, programs)
    build_dense(programs, int(django_bytes * dense_scale))
    STARTUP.mkdir(parents=True, exist_ok=True)
    (STARTUP / "pyproject.toml").write_text(CORPUS_PYPROJECT)
    (STARTUP / "one_clean_file.py").write_text(
        '"""A clean module."""\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n'
    )
    info = {
        "stamp": stamp,
        "wheels": [w.name for w in wheels.values()],
        "programs": len(programs),
        "django_bytes": django_bytes,
        "dense_scale": dense_scale,
        "sparse": tree_stats(SPARSE),
        "dense": tree_stats(DENSE),
        "dense_slice": tree_stats(DENSE_SLICE),
    }
    stamp_file.write_text(json.dumps(info, indent=2))
    return info


def tree_stats(root: Path) -> dict[str, int]:
    files = [p for p in root.rglob("*.py") if ".git" not in p.parts]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


# ---------------------------------------------------------------- measuring


@dataclass
class Case:
    key: str
    label: str
    corpus: str
    command: list[str]
    cwd: Path
    runs: int
    # Called before every run, outside the timed region (the fresh copy for `fix`).
    prepare: Optional[str] = None
    note: str = ""
    samples: list[dict[str, float]] = field(default_factory=list)
    error: str = ""

    def median(self, metric: str) -> Optional[float]:
        values = [s[metric] for s in self.samples]
        return statistics.median(values) if values else None


def measure_once(command: Sequence[str], cwd: Path, timeout: float) -> dict[str, object]:
    wrapper = [
        str(venv_bin(TOOLS_VENV, "python")),
        str(HERE / "_measure.py"),
        str(cwd),
        "--",
        *command,
    ]
    completed = subprocess.run(
        wrapper, capture_output=True, text=True, check=False, timeout=timeout
    )
    if completed.returncode != 0:
        raise RuntimeError(f"measuring failed: {completed.stderr.strip()[-800:]}")
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def fresh_copy(source: Path) -> Path:
    target = SCRATCH / source.name
    if target.exists():
        shutil.rmtree(target)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, symlinks=True)
    # Write the copy back now: its pages would otherwise go to disk during the measured
    # run, billed to the tool that happens to write (fix's own fsyncs wait for them).
    if hasattr(os, "sync"):
        os.sync()
    return target


def run_case(case: Case, timeout: float) -> None:
    log(f"{case.label}: {case.runs} run(s)")
    for _ in range(case.runs):
        cwd = fresh_copy(case.cwd) if case.prepare == "copy" else case.cwd
        if case.prepare == "clear-cache":
            shutil.rmtree(cwd / ".migrator_cache", ignore_errors=True)
            if hasattr(os, "sync"):
                os.sync()  # the deletions' writeback is not the measured run's
        try:
            sample = measure_once(case.command, cwd, timeout)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            case.error = str(error)[:300]
            return
        rc = int(sample["rc"])  # type: ignore[call-overload]
        # 0 and 1 are "clean" and "found something" for every tool measured here;
        # anything else means the number would not describe a real run.
        if rc not in (0, 1):
            case.error = f"exit {rc}: {str(sample['stderr']).strip()[-300:]}"
            return
        case.samples.append({k: float(v) for k, v in sample.items() if isinstance(v, (int, float))})


# ---------------------------------------------------------------- report


@dataclass
class Target:
    name: str
    value: Optional[float]
    limit: float
    unit: str
    # "max": value must be <= limit; "min": value must be >= limit.
    kind: str = "max"
    detail: str = ""

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "n/a"
        ok = self.value <= self.limit if self.kind == "max" else self.value >= self.limit
        return "PASS" if ok else "FAIL"

    def cells(self) -> list[str]:
        sign = "<=" if self.kind == "max" else ">="
        value = "n/a" if self.value is None else f"{self.value:.2f}{self.unit}"
        return [self.name, value, f"{sign} {self.limit:g}{self.unit}", self.verdict, self.detail]


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def ms(seconds: Optional[float]) -> Optional[float]:
    return None if seconds is None else seconds * 1000


def fmt(value: Optional[float], digits: int = 2, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{unit}"


def case_rows(cases: Iterable[Case]) -> list[list[str]]:
    rows = []
    sizes: dict[Path, int] = {}
    for case in cases:
        if case.cwd not in sizes:
            sizes[case.cwd] = tree_stats(case.cwd)["bytes"]
        if case.error or not case.samples:
            rows.append(
                [
                    case.label,
                    case.corpus,
                    "0",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    f"{case.note} ERROR: {case.error}".strip(),
                ]
            )
            continue
        walls = [s["wall"] for s in case.samples]
        spread = f"{min(walls):.2f}-{max(walls):.2f}" if len(walls) > 1 else ""
        workers = case.median("workers") or 0
        per_process = fmt(case.median("max_rss_mb"), 0)
        if workers:
            per_process += f" (workers {fmt(case.median('worker_peak_mb'), 0)})"
        rows.append(
            [
                case.label,
                case.corpus,
                str(len(case.samples)),
                fmt(case.median("wall"), 3),
                spread,
                f"{ratio(sizes[case.cwd] / MB, case.median('wall')) or 0:.3g}",
                fmt(case.median("cpu"), 2),
                per_process,
                fmt(case.median("tree_peak_mb"), 0),
                case.note,
            ]
        )
    return rows


CASE_HEADER = [
    "case",
    "corpus",
    "runs",
    "wall s (median)",
    "wall min-max",
    "MB/s",
    "CPU s",
    "peak RSS MB / process",
    "peak RSS MB tree",
    "note",
]
TARGET_HEADER = ["target", "measured", "limit", "verdict", "from"]


def plain_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *(line(r) for r in rows)])


# ---------------------------------------------------------------- main


def has_cache_option(migrator: Path) -> bool:
    return "--no-cache" in output_of([str(migrator), "check", "--help"])


def build_cases(
    args: argparse.Namespace,
    migrator: Path,
    ruff: Optional[Path],
    fixit: Optional[Path],
    cache: bool,
) -> dict[str, Case]:
    runs = args.runs
    # Startup runs are ~0.1 s each, and the 150 ms target needs a stable median.
    startup_runs = max(runs, 5) * 2
    m = str(migrator)
    no_cache = ["--no-cache"] if cache else []
    python = str(sibling_python(migrator))
    cases = [
        Case(
            "grep",
            "grep -rlE (I/O floor)",
            "sparse",
            ["grep", "-rlE", PREFILTER, "--include=*.py", "--exclude-dir=.git", "."],
            SPARSE,
            runs,
        ),
        Case(
            "migrator_sparse",
            "migrator check",
            "sparse",
            [m, "check", *no_cache, "."],
            SPARSE,
            runs,
            note="default jobs",
        ),
        Case(
            "grep_dense",
            "grep -rlE (I/O floor)",
            "dense",
            ["grep", "-rlE", PREFILTER, "--include=*.py", "--exclude-dir=.git", "."],
            DENSE,
            runs,
        ),
        Case(
            "parse",
            "LibCST parse_module loop",
            "dense",
            [python, str(HERE / "_parse_loop.py"), "."],
            DENSE,
            runs,
            note="one process",
        ),
        Case(
            "check_j1",
            "migrator check --jobs 1",
            "dense",
            [m, "check", *no_cache, "--jobs", "1", "."],
            DENSE,
            runs,
        ),
        Case(
            "check_j2",
            "migrator check --jobs 2",
            "dense",
            [m, "check", *no_cache, "--jobs", "2", "."],
            DENSE,
            runs,
        ),
        Case(
            "fix",
            "migrator fix",
            "dense",
            [m, "fix", *no_cache, "."],
            DENSE,
            runs,
            prepare="copy",
            note="fresh copy per run, default jobs",
        ),
        Case("version", "migrator --version", "-", [m, "--version"], STARTUP, startup_runs),
        Case(
            "clean_file",
            "migrator check one_clean_file.py",
            "1 file",
            [m, "check", *no_cache, "one_clean_file.py"],
            STARTUP,
            startup_runs,
        ),
    ]
    if usable_cores() != 2:
        # On a 2-core machine the default is --jobs 2, measured above; elsewhere `fix`
        # needs its own `check` counterpart with the same (default) jobs.
        cases.insert(
            6,
            Case(
                "check_default",
                "migrator check",
                "dense",
                [m, "check", *no_cache, "."],
                DENSE,
                runs,
                note="default jobs",
            ),
        )
    if ruff is not None:
        cases.insert(
            1,
            Case(
                "ruff",
                "ruff check --no-cache --select UP",
                "sparse",
                [str(ruff), "check", "--no-cache", "--select", "UP", "."],
                SPARSE,
                runs,
            ),
        )
    if cache:
        cases.append(
            Case(
                "cache_first",
                "migrator check (cache on, 1st)",
                "dense",
                [m, "check", "."],
                DENSE,
                runs,
                prepare="clear-cache",
            )
        )
        # Not cleared: each run sees the cache the previous `check` left behind.
        cases.append(
            Case(
                "cache_second",
                "migrator check (cache on, 2nd)",
                "dense",
                [m, "check", "."],
                DENSE,
                runs,
            )
        )
    if fixit is not None:
        # fixit needs minutes per corpus (issue 5: 150 s on Django alone), so it runs once,
        # on a tenth of the dense corpus, where it does the same kind of work as the migrator.
        cases.append(
            Case(
                "fixit",
                "fixit lint",
                f"dense 1/{SLICE_FRACTION}",
                [str(fixit), "lint", "."],
                DENSE_SLICE,
                1,
                note="1 run (slow); compare MB/s",
            )
        )
    return {c.key: c for c in cases}


def order_for_running(cases: dict[str, Case]) -> list[Case]:
    # cache_second must follow cache_first directly; everything else keeps table order.
    return list(cases.values())


def targets(cases: dict[str, Case], cache: bool) -> list[Target]:
    def wall(key: str) -> Optional[float]:
        case = cases.get(key)
        return case.median("wall") if case and not case.error else None

    check_default = "check_default" if "check_default" in cases else "check_j2"
    dense_rss = [
        c.median("max_rss_mb")
        for k, c in cases.items()
        if k in ("check_j1", "check_j2", "fix", "check_default") and c.samples
    ]
    out = [
        Target(
            "sparse check / ruff (wall)",
            ratio(wall("migrator_sparse"), wall("ruff")),
            2.0,
            "x",
            detail="sparse: migrator check vs ruff --select UP",
        ),
        Target(
            "dense check -j1 / parse loop (wall)",
            ratio(wall("check_j1"), wall("parse")),
            2.5,
            "x",
            detail="dense",
        ),
        Target(
            "dense speedup -j1 / -j2 (wall)",
            ratio(wall("check_j1"), wall("check_j2")),
            1.7,
            "x",
            kind="min",
            detail="dense",
        ),
        Target(
            "dense fix / check (wall)",
            ratio(wall("fix"), wall(check_default)),
            1.3,
            "x",
            detail="dense, default jobs",
        ),
        Target("startup: migrator --version", ms(wall("version")), 150, " ms"),
        Target("startup: check one clean file", ms(wall("clean_file")), 150, " ms"),
        Target(
            "peak RSS per process, dense",
            max((v for v in dense_rss if v is not None), default=None),
            300,
            " MB",
            detail="max over check -j1/-j2 and fix, main process or worker",
        ),
        Target(
            "2nd check / 1st (cache on)",
            ratio(wall("cache_second"), wall("cache_first")) if cache else None,
            0.5,
            "x",
            detail="dense"
            if cache
            else "n/a: `migrator check --help` has no --no-cache option yet",
        ),
    ]
    return out


def machine_info(
    migrator: Path, ruff: Optional[Path], fixit: Optional[Path]
) -> list[tuple[str, str]]:
    python = sibling_python(migrator)
    probe = (
        "import sys, importlib.metadata as m; print(sys.version.split()[0], m.version('libcst'))"
    )
    py_version, _, libcst_version = output_of([str(python), "-c", probe]).partition(" ")
    commit = output_of(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"])
    dirty = output_of(["git", "-C", str(REPO), "status", "--porcelain", "--", "migrator", "rules"])
    return [
        ("date", time.strftime("%Y-%m-%d %H:%M %Z")),
        (
            "machine",
            f"{usable_cores()} usable cores ({os.cpu_count()} online), {cpu_model()}, {platform.system()} {platform.release()}",
        ),
        # Other work on the machine skews every number; the load says how much there was.
        ("load average (1, 5, 15 min) when written", " ".join(f"{x:.2f}" for x in os.getloadavg())),
        ("Python (migrator)", py_version),
        ("LibCST", libcst_version),
        ("migrator", f"{output_of([str(migrator), '--version'])} at {migrator}"),
        (
            "engine commit",
            commit + (" (+ uncommitted changes in migrator/ or rules/)" if dirty else ""),
        ),
        ("ruff", output_of([str(ruff), "--version"]) if ruff else "not available"),
        ("fixit", output_of([str(fixit), "--version"]) if fixit else "not available"),
    ]


def corpus_lines(info: dict[str, object]) -> list[str]:
    sparse = info["sparse"]
    dense = info["dense"]
    assert isinstance(sparse, dict) and isinstance(dense, dict)
    scale = float(info.get("dense_scale", 1.0))  # type: ignore[arg-type]
    scaled = "" if scale == 1.0 else f" x {scale:g} (--dense-scale: NOT the size issue 5 specifies)"
    return [
        f"- **sparse**: {', '.join(map(str, info['wheels']))} (.py files) + {info['programs']} fixture/example programs planted in it: "  # type: ignore[call-overload]
        f"{sparse['files']} files, {sparse['bytes'] / MB:.1f} MB",
        f"- **dense**: the fixture programs that parse and mention the API, replicated to the size of the Django part "
        f"({int(info['django_bytes']) / MB:.1f} MB){scaled}: {dense['files']} files, {dense['bytes'] / MB:.1f} MB",  # type: ignore[call-overload]
        f"- **dense 1/{SLICE_FRACTION}**: its first tenth, for fixit and the profile (minutes per run otherwise)",
    ]


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1 run per case (default runs: 5)")
    parser.add_argument(
        "--runs", type=int, default=None, help="runs per case; the median is reported"
    )
    parser.add_argument("--migrator", help="the migrator executable to measure")
    parser.add_argument("--no-fixit", action="store_true", help="skip the (slow) fixit baseline")
    parser.add_argument("--no-profile", action="store_true", help="skip writing PROFILE.md")
    parser.add_argument(
        "--dense-scale",
        type=float,
        default=1.0,
        help="size of the dense corpus relative to Django's sources (default 1, as issue 5 specifies; less only while developing)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per single run")
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 5)
    bootstrap(args)

    migrator = find_migrator(args.migrator)
    compiled = byte_compile(migrator)
    info = build_corpora(args.dense_scale)
    ruff = find_ruff(migrator)
    fixit, fixit_note = (None, "skipped (--no-fixit)") if args.no_fixit else find_fixit()
    cache = has_cache_option(migrator)
    cases = build_cases(args, migrator, ruff, fixit, cache)
    for case in order_for_running(cases):
        run_case(case, args.timeout)
        if case.key == "fixit" and case.error:
            fixit_note = f"fixit failed: {case.error}"

    rows = case_rows(cases.values())
    goal_rows = [t.cells() for t in targets(cases, cache)]
    machine = machine_info(migrator, ruff, fixit)
    notes = [compiled]
    if fixit is None:
        notes.append(f"fixit: {fixit_note}")
    if not cache:
        notes.append("cache: n/a (`migrator check --help` has no --no-cache option)")

    print()
    print(plain_table(CASE_HEADER, rows))
    print()
    print(plain_table(TARGET_HEADER, goal_rows))
    for note in notes:
        print(f"note: {note}")

    command = "python benchmarks/run.py " + " ".join(sys.argv[1:])
    markdown = [
        "# Benchmark results",
        "",
        f"Produced by `{command.strip()}` (issue 5). Medians of {args.runs} run(s) per case "
        "(startup cases: more); wall and CPU in seconds, CPU = user+sys of the whole process tree.",
        "",
        *(f"- {k}: {v}" for k, v in machine),
        "",
        "## Corpora",
        "",
        *corpus_lines(info),
        "",
        "## Cases",
        "",
        markdown_table(CASE_HEADER, rows),
        "",
        "Peak RSS per process is the kernel's high-water mark of the largest single process "
        "(main or worker); the worker figure and the tree total are sampled every 20 ms.",
        "",
        "## Targets",
        "",
        markdown_table(TARGET_HEADER, goal_rows),
        "",
        *(f"- {note}" for note in notes),
        "",
    ]
    (HERE / "RESULTS.md").write_text("\n".join(markdown))
    log(f"wrote {HERE / 'RESULTS.md'}")

    if not args.no_profile:
        profile(migrator, machine)


# ---------------------------------------------------------------- profile


def profile(migrator: Path, machine: Sequence[tuple[str, str]]) -> None:
    """pyinstrument on `migrator check --jobs 1` over the dense corpus -> PROFILE.md."""
    python = sibling_python(migrator)
    if not (PYINSTRUMENT_LIB / "pyinstrument").exists() and not pip_install(
        python, ["pyinstrument"], target=PYINSTRUMENT_LIB
    ):
        log("no pyinstrument: PROFILE.md not written")
        return
    prefix = CACHE / "profile"
    args = ["check", "--jobs", "1", "."]
    if has_cache_option(migrator):
        args.insert(1, "--no-cache")
    log(f"profiling migrator check --jobs 1 on 1/{SLICE_FRACTION} of the dense corpus")
    env = {**os.environ, "PYTHONPATH": str(PYINSTRUMENT_LIB)}
    completed = subprocess.run(
        [str(python), str(HERE / "_profile.py"), str(prefix), "--", *args],
        cwd=DENSE_SLICE,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if completed.returncode != 0:
        # The results are already written; a broken profile run must not lose them.
        log(f"profiling failed, PROFILE.md not written: {completed.stderr.strip()[-800:]}")
        return
    data = json.loads(prefix.with_suffix(".json").read_text())
    duration = float(data["duration"]) or 1.0

    def top(table: dict[str, float], count: int) -> list[list[str]]:
        ranked = sorted(table.items(), key=lambda item: item[1], reverse=True)[:count]
        return [
            [str(i + 1), name, f"{seconds:.2f}", f"{100 * seconds / duration:.1f}%"]
            for i, (name, seconds) in enumerate(ranked)
        ]

    tree_lines = prefix.with_suffix(".txt").read_text().strip().splitlines()
    # The full tree runs to thousands of lines; the top of it shows where the time goes.
    tree = "\n".join(tree_lines[:160]) + ("\n..." if len(tree_lines) > 160 else "")
    project = set(data["project"])
    header = ["#", "function (file:line)", "seconds", "share"]
    text = [
        f"# Profile: `migrator check --jobs 1` on 1/{SLICE_FRACTION} of the dense corpus",
        "",
        f"pyinstrument (1 ms sampling, in-process), {duration:.1f} s in total. Written by "
        "`python benchmarks/run.py`; see RESULTS.md for the corpus (the slice has the same mix of programs as the whole). Profiling overhead "
        "inflates many small calls (LibCST visitors) somewhat; use the shares, not the seconds.",
        "",
        *(f"- {k}: {v}" for k, v in machine),
        "",
        "## Top functions by own time (excluding callees)",
        "",
        markdown_table(header, top(data["self"], 25)),
        "",
        "## Project code (migrator/, rules/) by inclusive time",
        "",
        markdown_table(header, top({k: v for k, v in data["total"].items() if k in project}, 30)),
        "",
        "## Library code (LibCST, stdlib) by inclusive time",
        "",
        markdown_table(
            header,
            top(
                {
                    k: v
                    for k, v in data["total"].items()
                    if k not in project
                    and "click/" not in k
                    and "runpy" not in k
                    and "_profile.py" not in k
                },
                25,
            ),
        ),
        "",
        "## Call tree (pyinstrument, condensed)",
        "",
        "```",
        tree,
        "```",
        "",
    ]
    (HERE / "PROFILE.md").write_text("\n".join(text))
    log(f"wrote {HERE / 'PROFILE.md'}")


if __name__ == "__main__":
    main()
