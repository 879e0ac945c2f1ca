"""The real-code corpus: old releases of public packages that call the legacy API.

Nothing of them is in this repository. `ensure(package)` downloads the release from the
package registry (`pip download --no-deps`, the sdist where the release has one, so that
its `setup.py`/`pyproject.toml` pins exercise `--sdk auto`), keeps only the Python
sources, stubs, notebooks and dependency files, and caches the result under the user's
cache directory (`~/.cache/openai-chat-migrator/realcode/`, or `$MIGRATOR_REALCODE_CACHE`).
A package is extracted into a temporary directory and renamed into place, so a
half-extracted package is never taken for a ready one; a warm cache costs no pip run.

`python -m tests.realcode.corpus` warms the cache (e.g. in a CI step with network access).
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from tests.e2e.venvs import _OFFLINE_SIGNS, RegistryUnavailable, file_lock


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    # The openai requirement in the release's own files, as read by hand (for review:
    # `--sdk auto` should keep the code on openai<1 where this allows no 1.x release).
    pin: str
    why: str
    # "sdist", or "wheel" where the release has no sdist (or its sdist cannot be read).
    dist: Literal["sdist", "wheel"] = "sdist"

    def __post_init__(self) -> None:
        # A positional argument too many once slid a description into `dist`, and the
        # release was silently read from its wheel (no setup.py, so no pin).
        if self.dist not in ("sdist", "wheel"):
            raise ValueError(f"{self.id}: dist must be 'sdist' or 'wheel', not {self.dist!r}")

    @property
    def id(self) -> str:
        return f"{self.name}-{self.version}"


PACKAGES: tuple[Package, ...] = (
    Package(
        "langchain",
        "0.0.150",
        'openai = "^0.27.4" (poetry, optional)',
        "v0; the class kept as a value (`values['client'] = openai.Completion`) and called as `self.client.create` / `llm.client.create` inside retry closures; GooseAI on the same class with `api_base`",
    ),
    Package(
        "langchain",
        "0.0.340",
        'openai = "^1" (poetry, optional)',
        "v0 and v1 in one module: `openai.OpenAI(...).completions` stored on a pydantic field, falling back to `openai.Completion`; Azure clients; Anthropic, Fireworks and PredictionGuard look-alikes that must stay silent",
    ),
    Package(
        "langchain-openai",
        "0.0.5",
        'openai = "^1.10.0" (poetry)',
        "v1 only: `openai.OpenAI(...).completions` / `AsyncOpenAI` / `AzureOpenAI` resources stored as `values['client']`, streamed `self.client.create`",
    ),
    Package(
        "pyautogen",
        "0.1.14",
        "openai<1 (setup.py)",
        "v0 agent framework: a subclass of `openai.Completion`, `openai.Completion` chosen in a conditional, autogen's own `oai.Completion.create` wrapper",
    ),
    Package(
        "pyautogen",
        "0.2.0",
        "openai~=1.2 (setup.py)",
        "the v1 rewrite of the same code: the v0 wrapper kept beside `openai.types.completion.Completion` (the v1 response type, which is no site)",
    ),
    Package(
        "dspy-ai",
        "2.4.0",
        "none in the wheel",
        "v0 and v1 side by side (`openai.Completion.create` / `openai.completions.create`), an Azure client passed in, a Databricks client on another `base_url`",
        dist="wheel",
    ),
    Package(
        "lm-eval",
        "0.3.0",
        "openai>=0.6.4 (setup.py)",
        "v0 eval harness: `openai.Completion.create(**kwargs)` in a retry loop with batched prompts, `echo=True` and `logprobs`",
    ),
    Package(
        "lm-eval",
        "0.4.0",
        "openai>=1.3.5 (pyproject extra)",
        "a half-migrated harness calling `openai.Completions.create`; an Anthropic client with the same shape",
    ),
    Package(
        "lm-eval",
        "0.4.1",
        "openai==1.3.9 (pyproject extra)",
        "v1: `client.completions.create(**kwargs)` where the client is a parameter of a nested function; local OpenAI-compatible servers",
    ),
    Package(
        "guidance",
        "0.0.64",
        "openai>=0.27.8 (setup.py)",
        "v0 `openai.Completion.acreate(**kwargs)` with Azure `deployment_id`, streamed",
    ),
    Package(
        "gptcache",
        "0.1.30",
        "none (installed on demand)",
        "caching layer: `class Completion(openai.Completion, BaseCacheLLM)` subclassing the v0 endpoint",
    ),
    Package(
        "guardrails-ai",
        "0.2.9",
        'openai = "<2" (poetry)',
        "v0 and v1 modules: `return openai.Completion.create` / `openai.completions.create` as values, `self.client.completions.create`",
    ),
    Package(
        "semantic-kernel",
        "0.3.10.dev0",
        'openai = "^0.27.0" (poetry)',
        "v0 `openai.Completion.acreate` with Azure `api_type`, `engine=`/`model=` chosen at run time",
    ),
    Package(
        "crfm-helm",
        "0.2.3",
        "openai~=0.27.8 (setup.cfg)",
        "v0 benchmark clients: `openai.Completion.create(**raw_request)` in a cache callback, `import openai as gooseai` / `as turing` on other servers",
    ),
    Package(
        "outlines",
        "0.0.8",
        "none",
        "v0 `openai.Completion.acreate(engine=model, ...)`; notebooks in examples/",
    ),
    Package(
        "pandasai",
        "0.2.2",
        'openai = "^0.27.5" (poetry)',
        "v0 `openai.Completion.create(**params)` in an LLM wrapper",
    ),
    Package(
        "litellm",
        "0.1.400",
        'openai = "^0.27.8" (poetry)',
        "v0 gateway: Azure `engine=` and OpenAI `model=` calls",
    ),
    Package(
        "langroid",
        "0.1.100",
        'openai = "^0.27.5" (poetry), openai>=0.27.5 (setup.py)',
        "v0 agent framework: `openai.Completion.create`, and `openai.Completion.acreate` chosen by a conditional expression then called",
    ),
    Package(
        "fschat",
        "0.2.20",
        "none",
        "v0 tests against a local OpenAI-compatible server (`openai.api_base`); Anthropic `c.completions.create` that must stay silent",
    ),
    Package(
        "prompttools",
        "0.0.30",
        "none",
        "v0 `self.completion_fn = openai.Completion.create` called later; Anthropic clients that must stay silent",
    ),
    Package(
        "promptify",
        "2.0.3",
        "openai==0.27.0 (requirements.txt)",
        "the v0 module kept on an object: `self._openai.Completion.create`, OpenAI and Azure wrappers",
    ),
    Package(
        "llm",
        "0.12",
        "openai<1.0 (setup.py)",
        "v0 CLI: `openai.Completion.create` streamed and not",
    ),
    Package(
        "llm",
        "0.13",
        "openai>=1.0 (setup.py)",
        "v1 CLI: `client = self.get_client()` then `client.completions.create`",
    ),
    Package(
        "lmql",
        "0.7.3",
        "none",
        "its own reimplementation imported as `openai` (`import lmql.runtime.bopenai as openai`) and called `openai.Completion.create`: shaped, unresolved",
    ),
    Package(
        "evals",
        "1.0.3",
        "openai >= 0.27.2 (pyproject)",
        "OpenAI's eval harness: `openai.Completion.create(*args, **kwargs)` under backoff; a class deriving from `from openai import Completion`",
    ),
    Package(
        "llama-index",
        "0.8.50",
        'openai = ">=0.26.4" (poetry)',
        "v0 factory returning `openai.Completion`; `Type[Completion]` annotations (no site); Anthropic clients that must stay silent",
    ),
)

# What is kept of a release: what the tool checks, and what its pin reading reads.
KEEP_SUFFIXES = (".py", ".pyi", ".ipynb")
KEEP_NAMES = (
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "requirements*.txt",
    "Pipfile",
    "poetry.lock",
)


def cache_root() -> Path:
    override = os.environ.get("MIGRATOR_REALCODE_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "openai-chat-migrator" / "realcode"


def package_dir(package: Package) -> Path:
    # The kind of archive is part of the key: an sdist and a wheel keep different files.
    return cache_root() / f"{package.id}-{package.dist}"


def _kept(member: str) -> bool:
    path = PurePosixPath(member)
    if path.is_absolute() or ".." in path.parts:
        return False
    return path.suffix in KEEP_SUFFIXES or any(fnmatch.fnmatch(path.name, n) for n in KEEP_NAMES)


def _extract(archive: Path, target: Path) -> int:
    count = 0
    if archive.name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar")):
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if member.isfile() and _kept(member.name):
                    source = tar.extractfile(member)
                    if source is None:
                        continue
                    destination = target / member.name
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    with source, open(destination, "wb") as out:
                        shutil.copyfileobj(source, out)
                    count += 1
    elif archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as wheel:
            for info in wheel.infolist():
                if not info.is_dir() and _kept(info.filename):
                    destination = target / info.filename
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    with wheel.open(info) as source, open(destination, "wb") as out:
                        shutil.copyfileobj(source, out)
                    count += 1
    else:
        raise RuntimeError(f"unexpected archive {archive.name}")
    return count


def _download(package: Package, into: Path) -> Path:
    binary = ["--no-binary", ":all:"] if package.dist == "sdist" else ["--only-binary", ":all:"]
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        "--disable-pip-version-check",
        "--timeout",
        "30",
        "--retries",
        "1",
        *binary,
        "--dest",
        str(into),
        f"{package.name}=={package.version}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    if done.returncode:
        if any(sign in output for sign in _OFFLINE_SIGNS):
            raise RegistryUnavailable(
                f"cannot download {package.id} from the package registry (offline?); "
                "deselect the real-code stage with -m 'not realcode'"
            )
        raise RuntimeError(f"pip download failed for {package.id}:\n{output[-3000:]}")
    archives = sorted(into.iterdir())
    if len(archives) != 1:
        raise RuntimeError(f"pip download of {package.id} left {[a.name for a in archives]}")
    return archives[0]


def ensure(package: Package) -> Path:
    """The extracted release, downloaded and extracted once."""
    target = package_dir(package)
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(target.parent / f".{package.id}.lock"):
        if target.is_dir():  # another process finished while this one waited
            return target
        staging = Path(tempfile.mkdtemp(prefix=f".{package.id}.", dir=target.parent))
        try:
            download = staging / "download"
            tree = staging / "tree"
            download.mkdir()
            tree.mkdir()
            if not _extract(_download(package, download), tree):
                raise RuntimeError(f"{package.id}: nothing to keep in the archive")
            os.replace(tree, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


if __name__ == "__main__":
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        for path in pool.map(ensure, PACKAGES):
            print(path)
