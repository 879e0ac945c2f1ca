"""Judging an openai requirement: a specifier (PEP 440, or poetry's `^`, `~`, bare
versions and `||`, translated first) against the real list of openai releases
(`releases.py`). A pin "allows v1" only if some 1.x release satisfies it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from .releases import openai_releases

if TYPE_CHECKING:
    from packaging.version import Version

NAME = "openai"
KEEP, V1 = "keep", "v1"
_CHAT_V0 = (0, 27)  # the first release with ChatCompletion
NOTHING = "(not a version specifier)"  # what a pin that does not parse is judged as: no release


# -- judging a specifier -------------------------------------------------------------------
# `packaging` is imported in the functions that need it: the rules load for every file
# that passes the prefilter, a pin is judged only for openai<1.0 code (and then once).


def is_openai(name: str) -> bool:
    """PEP 503 names compare with runs of `-_.` as one `-`: "openai" has none, so `OpenAI`
    is openai, and `open-ai`, `openai-whisper` are not."""
    return name.lower() == NAME


@cache
def allowed_releases(specifier: str) -> frozenset[Version]:
    """The openai releases a PEP 440 specifier set allows ("" allows them all; one that
    does not parse, none)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return frozenset(SpecifierSet(specifier).filter(openai_releases()))
    except InvalidSpecifier:
        return frozenset()


def _bump(release: tuple[int, ...], index: int) -> str:
    return ".".join(map(str, (*release[:index], release[index] + 1)))


def _poetry_clause(clause: str) -> str:
    """One poetry (or Pipfile) constraint as PEP 440: `^0.28` -> `>=0.28,<0.29`,
    `~1.2.3` -> `>=1.2.3,<1.3`, `0.28.1` -> `==0.28.1`, `*` -> `` (any)."""
    from packaging.specifiers import InvalidSpecifier
    from packaging.version import InvalidVersion, Version

    if clause in ("", "*"):
        return ""
    match = re.fullmatch(r"(===|==|!=|~=|<=|>=|<|>|\^|~|=)?v?(.+)", clause)
    if match is None:
        raise InvalidSpecifier(clause)
    operator, text = match.group(1) or "", match.group(2)
    if operator in ("", "="):
        return f"=={text}"
    if operator not in ("^", "~"):
        return operator + text
    try:
        release = Version(text).release
    except InvalidVersion as error:
        raise InvalidSpecifier(clause) from error
    if operator == "^":  # same leftmost non-zero part (of the parts written)
        given = len(text.split("."))
        written = release[:given]
        index = next((i for i, part in enumerate(written) if part), len(written) - 1)
    else:  # `~1.2.3` and `~1.2`: same minor; `~1`: same major
        index = min(1, len(release) - 1)
    return f">={text},<{_bump(release, index)}"


def to_pep440(spec: str) -> list[str]:
    """A constraint as written in poetry, a Pipfile or PEP 440, as PEP 440 specifier sets,
    one per `||` alternative. Raises InvalidSpecifier when it is none of them."""
    from packaging.specifiers import SpecifierSet

    alternatives = []
    for alternative in re.split(r"\|\|?", spec):
        # `>= 1.2` -> `>=1.2`; then `,` and spaces both mean "and" (`>=1.2 <2`).
        tight = re.sub(r"(===|==|!=|~=|<=|>=|<|>|\^|~|=)\s+", r"\1", alternative.strip())
        clauses = [_poetry_clause(clause) for clause in re.split(r"[,\s]+", tight) if clause]
        text = ",".join(clause for clause in clauses if clause)
        SpecifierSet(text)  # validates
        alternatives.append(text)
    return alternatives or [""]


@dataclass(frozen=True)
class Pin:
    """What a project (or a notebook) says about openai, and the releases it allows."""

    spec: str  # as written, e.g. "openai==0.28.1", 'openai = "^0.28"', "openai 0.28.1 (locked)"
    source: str  # the file that holds it, e.g. "/repo/requirements.txt", or "nb.ipynb (%pip install)"
    specifier: str  # what was evaluated, as PEP 440 (" | " between alternatives; "" is any release)
    allows_v0: bool
    allows_v1: bool
    allows_chat_v0: bool  # some allowed v0 release has ChatCompletion (0.27+)
    files: tuple[str, ...] = ()  # every file read to find it (`-r` includes too)

    @property
    def allows_any(self) -> bool:
        return self.allows_v0 or self.allows_v1

    @property
    def decision(self) -> str:
        """Any pin that allows no 1.x release keeps the code on its SDK; one that allows
        no 0.x release (but some release) moves it to v1; both, or none: keep."""
        return V1 if self.allows_v1 and not self.allows_v0 else KEEP


def judge(spec: str, source: str, specifiers: Sequence[str], allowed: Iterable[Version], files: Sequence[str] = ()) -> Pin:
    versions = tuple(allowed)
    return Pin(
        spec=spec,
        source=source,
        specifier=" | ".join(specifiers),
        allows_v0=any(v.major == 0 for v in versions),
        allows_v1=any(v.major >= 1 for v in versions),
        allows_chat_v0=any(v.major == 0 and v.release >= _CHAT_V0 for v in versions),
        files=tuple(files),
    )


def evaluate(spec: str, source: str) -> Pin:
    """A specifier (PEP 440 or poetry) as a pin; one that does not parse allows nothing."""
    from packaging.specifiers import InvalidSpecifier

    try:
        specifiers = to_pep440(spec.strip())
    except InvalidSpecifier:
        specifiers = [NOTHING]
    allowed: set[Version] = set()
    for specifier in specifiers:
        allowed |= allowed_releases(specifier)
    return judge(f"{NAME}{spec.strip()}", source, specifiers, allowed)


def allows_release_from(pin: Pin, minimum: tuple[int, ...]) -> bool:
    """Whether the pin allows some openai release at or above `minimum` (the first SDK
    with a feature the migrated code uses)."""
    return any(
        version.release >= minimum
        for specifier in pin.specifier.split(" | ")
        for version in allowed_releases(specifier)
    )

