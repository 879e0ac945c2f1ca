"""Reading sources and writing them back atomically."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from dataclasses import dataclass


class WriteRefused(Exception):
    """The file was not written; the message says why, the original is intact."""


class NotRegularFile(OSError):
    """A FIFO, socket or device named like a source file: reading it could block forever."""


@dataclass(frozen=True)
class Snapshot:
    """What a file was when it was read, to detect a change before writing back."""

    data: bytes
    mtime_ns: int
    size: int


def read_source(path: str) -> Snapshot:
    # O_NONBLOCK: opening a FIFO named `x.py` must not wait for a writer; the fstat
    # below then refuses anything that is not a regular file before reading from it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", path)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file", path)
        data = handle.read()
    return Snapshot(data, info.st_mtime_ns, info.st_size)


def write_target(path: str) -> str:
    """The file a write to `path` must replace.

    `os.replace` over a symbolic link would turn the link into a regular file and leave
    the file it points to unfixed; discovery has already dropped links that leave the
    roots, so the link's target is the file the user asked for.
    """
    return os.path.realpath(path) if os.path.islink(path) else path


def _is_read_only(path: str, mode: int) -> bool:
    # `os.access` says yes to root for any file; the permission bits say what the owner
    # meant, and a formatter must not rewrite a file somebody made read-only.
    return not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def write_atomically(path: str, new_data: bytes, original: Snapshot) -> None:
    """Replace `path` by `new_data` unless it changed on disk since `original` was read.

    The temporary file lives next to the target (same file system, so `os.replace` is
    atomic) and gets the target's permission bits (and owner, where allowed); on any
    failure, Ctrl-C included, it is removed and the original is left as it was.
    """
    target = write_target(path)
    try:
        info = os.stat(target)
    except OSError as error:
        raise WriteRefused(f"cannot stat before writing: {error.strerror}; not written") from error
    if _is_read_only(target, info.st_mode):
        raise WriteRefused("file is read-only; not written")
    if info.st_mtime_ns != original.mtime_ns or info.st_size != original.size:
        raise WriteRefused("file changed on disk since it was read; not written (run again)")
    directory, name = os.path.split(os.path.abspath(target))
    temporary = ""
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{name}.", suffix=".migrator-tmp", dir=directory
        )
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(new_data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if hasattr(os, "chown") and (info.st_uid, info.st_gid) != _owner(temporary):
            # Only root can give a file away; anybody else keeps their own ownership.
            with contextlib.suppress(OSError):
                os.chown(temporary, info.st_uid, info.st_gid)
        with open(target, "rb") as handle:
            if handle.read() != original.data:
                raise WriteRefused("file changed on disk since it was read; not written (run again)")
        os.replace(temporary, target)
        temporary = ""
    except BaseException as error:
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(error, OSError):
            raise WriteRefused(f"write failed: {error.strerror or error}; original kept") from error
        raise


def _owner(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid
