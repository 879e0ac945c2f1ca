"""Reading sources and writing them back atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass


class WriteRefused(Exception):
    """The file was not written; the message says why, the original is intact."""


@dataclass(frozen=True)
class Snapshot:
    """What a file was when it was read, to detect a change before writing back."""

    data: bytes
    mtime_ns: int
    size: int


def read_source(path: str) -> Snapshot:
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(path)
        data = handle.read()
    return Snapshot(data, info.st_mtime_ns, info.st_size)


def write_atomically(path: str, new_data: bytes, original: Snapshot) -> None:
    """Replace `path` by `new_data` unless it changed on disk since `original` was read.

    The temporary file lives next to the target (same file system, so `os.replace` is
    atomic) and gets the target's permission bits; on any failure it is removed and the
    original is left as it was.
    """
    try:
        info = os.stat(path)
    except OSError as error:
        raise WriteRefused(f"cannot stat before writing: {error.strerror}") from error
    if not os.access(path, os.W_OK):
        raise WriteRefused("file is read-only; not written")
    if info.st_mtime_ns != original.mtime_ns or info.st_size != original.size:
        raise WriteRefused("file changed on disk since it was read; not written")
    directory, name = os.path.split(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".migrator-tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(new_data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        with open(path, "rb") as handle:
            if handle.read() != original.data:
                raise WriteRefused("file changed on disk since it was read; not written")
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise WriteRefused(f"write failed: {error.strerror or error}; original kept") from error
        raise
