"""Throw-away virtual environments with a pinned `openai` SDK (and mypy), one per version.

They live in the user's cache directory, never in the repository, and are reused across
runs. Two pytest processes may ask for the same environment at once (xdist, two
terminals): an advisory file lock avoids building twice, and the environment is built in
a temporary directory and renamed into place, so a half-built environment (Ctrl-C, a full
disk) is never mistaken for a ready one even where no file lock is available.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# The last 1.x release and the newest release: the two ends the rules must support.
SDK_VERSIONS: tuple[str, ...] = ("1.109.1", "3.57.0")

# The last pre-1.0 release: what openai<1.0 programs (`test_e2e_v0.py`) run on, before and
# after a `--sdk keep` migration. It brings `aiohttp` along for `acreate`.
LEGACY_SDK_VERSION = "0.28.1"

# `--target responses` (`test_e2e_responses.py`): the first release with the Responses
# API (1.65.5 has none), and the first releases of what some migrated programs need
# besides: the module-level `openai.responses` (1.66.3) and the logprobs options
# `include=["message.output_text.logprobs"]` / `top_logprobs` (1.92.0). The newest release
# is SDK_VERSIONS[-1].
RESPONSES_OLDEST_SDK = "1.66.0"
RESPONSES_FEATURE_SDKS: tuple[str, ...] = ("1.66.3", "1.92.0")

# Pinned so that "the migrated file has no more type errors than the original" compares
# like with like from one run to the next.
MYPY_REQUIREMENT = "mypy==2.4.1"

_READY_MARKER = ".e2e-ready"

# pip's output when it could not talk to the index at all. Deliberately not "No matching
# distribution": with a reachable index that means a wrong pin, which must fail, not skip.
_OFFLINE_SIGNS: tuple[str, ...] = (
    "connection broken by",
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
    "Could not fetch URL",
)


class RegistryUnavailable(RuntimeError):
    """The package registry could not be reached, so the environment cannot be built."""


def cache_root() -> Path:
    override = os.environ.get("MIGRATOR_E2E_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "openai-chat-migrator" / "e2e"


def _requirements(sdk_version: str) -> list[str]:
    return [f"openai=={sdk_version}", MYPY_REQUIREMENT]


def env_dir(sdk_version: str) -> Path:
    # The interpreter and the requirement set are part of the key: changing either must
    # not silently reuse an environment built for something else.
    interpreter = f"py{sys.version_info.major}{sys.version_info.minor}"
    digest = hashlib.sha256(
        "\n".join([sys.executable, *_requirements(sdk_version)]).encode()
    ).hexdigest()[:8]
    return cache_root() / f"openai-{sdk_version}-{interpreter}-{digest}"


def env_python(env: Path) -> Path:
    if os.name == "nt":
        return env / "Scripts" / "python.exe"
    return env / "bin" / "python"


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An advisory lock on `path` (made if need be) while the block runs."""
    try:
        import fcntl
    except ImportError:  # Windows: the atomic rename alone keeps builds correct.
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _build(target: Path, sdk_version: str) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        created = _run([sys.executable, "-m", "venv", str(staging)])
        if created.returncode:
            raise RuntimeError(f"python -m venv failed:\n{created.stdout}{created.stderr}")
        # Short timeout and few retries: without a network pip would otherwise spend
        # many minutes retrying before the suite can report the skip.
        installed = _run(
            [
                str(env_python(staging)),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--timeout",
                "30",
                "--retries",
                "1",
                *_requirements(sdk_version),
            ]
        )
        if installed.returncode:
            output = installed.stdout + installed.stderr
            if any(sign in output for sign in _OFFLINE_SIGNS):
                raise RegistryUnavailable(
                    f"cannot install openai=={sdk_version} from the package registry "
                    f"(offline?); run the suite with -m 'not e2e' offline.\n{output[-2000:]}"
                )
            raise RuntimeError(f"pip install failed for openai=={sdk_version}:\n{output}")
        (staging / _READY_MARKER).write_text(" ".join(_requirements(sdk_version)) + "\n")
        if target.exists():  # an interrupted build left it behind without the marker
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(staging, target)
        except OSError:
            # Lost a race with a builder that had no file lock: its result is as good.
            if not (target / _READY_MARKER).is_file():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def ensure_env(sdk_version: str) -> Path:
    """Return the interpreter of a ready environment for `sdk_version`, building it once."""
    target = env_dir(sdk_version)
    if (target / _READY_MARKER).is_file():
        return env_python(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(target.parent / f"{target.name}.lock"):
        # Another process may have finished the build while this one waited for the lock.
        if not (target / _READY_MARKER).is_file():
            _build(target, sdk_version)
    return env_python(target)


if __name__ == "__main__":
    # Warm the cache ahead of a test run (e.g. in a CI step with network access).
    for version in sys.argv[1:] or (*SDK_VERSIONS, LEGACY_SDK_VERSION, RESPONSES_OLDEST_SDK, *RESPONSES_FEATURE_SDKS):
        print(ensure_env(version))
