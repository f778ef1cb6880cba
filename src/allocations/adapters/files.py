"""Atomic file sink: a file appears complete under its final name, or not at all.

Theory of operation: the content is written to a temporary file in the *same directory*
as the target (so that the final rename never crosses a file system), flushed and
``fsync``-ed, then renamed over the target with :func:`os.replace` (atomic on POSIX and on
Windows), and the directory is ``fsync``-ed so that the rename itself survives a power
loss. If anything fails before the rename — an exception in the ``with`` block, a full
disk, an interrupt — the temporary file is removed and the target is left as it was.

A reader therefore sees either the previous file or the new one, never a half-written
one: a bank must never receive a truncated pain.001 file, and a batch job must never hand
on half of its output.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import contextlib
import io
import os
from types import TracebackType
from typing import IO, Any, BinaryIO, Generic, Literal, TextIO, TypeVar, cast, overload

__all__ = ["AtomicFile", "open_atomic"]

_F = TypeVar("_F", BinaryIO, TextIO)

#: How many random temporary names are tried before giving up (a limit on everything).
_NAME_ATTEMPTS = 100


def _fsync_directory(directory: str) -> None:
    # POSIX: the rename is only durable once the directory entry is on disk. Windows
    # cannot open a directory; its os.replace is durable through the NTFS journal.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFile(Generic[_F]):
    """A file written under a temporary name and renamed over its target on success.

    Use :func:`open_atomic` to create one. As a context manager it yields the open file,
    commits when the block ends normally and discards the temporary file when it raises.
    :meth:`commit` and :meth:`discard` may also be called explicitly.

    Attributes:
        path: the target path.
        temporary_path: the temporary file's path (in the target's directory).

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str, file: _F, temporary_path: str, *, durable: bool) -> None:
        self.path = path
        self.temporary_path = temporary_path
        self._file: _F = file
        self._durable = durable
        self._done = False

    @property
    def file(self) -> _F:
        """The open temporary file (write to it)."""
        return self._file

    def commit(self) -> None:
        """Flush, ``fsync`` and rename the temporary file over the target.

        Raises:
            OSError: the content could not be written or renamed; the temporary file is
                removed and the target is unchanged.
            ValueError: the file was already committed or discarded.
        """
        if self._done:
            raise ValueError(f"{self.path!r} was already committed or discarded")
        try:
            self._file.flush()
            if self._durable:
                os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self.temporary_path, self.path)
        except BaseException:
            self.discard()
            raise
        self._done = True
        if self._durable:
            _fsync_directory(os.path.dirname(os.path.abspath(self.path)))

    def discard(self) -> None:
        """Close and remove the temporary file; the target is left as it was (idempotent)."""
        if self._done:
            return
        self._done = True
        # A failed close is already being reported by the write that failed; removing the
        # temporary file matters more.
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temporary_path)

    def __enter__(self) -> _F:
        return self._file

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def _create_temporary(path: str, permissions: int) -> tuple[int, str]:
    directory, name = os.path.split(os.path.abspath(path))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    for _ in range(_NAME_ATTEMPTS):
        candidate = os.path.join(directory, f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            # O_EXCL: never reuse (or follow a symlink planted at) an existing name; the
            # process umask applies to ``permissions`` as for any new file.
            return os.open(candidate, flags, permissions), candidate
        except FileExistsError:
            continue
        except OSError as error:  # name the file the caller asked for, not our temporary
            raise type(error)(error.errno, error.strerror, path) from error
    raise FileExistsError(f"no free temporary name next to {path!r} after {_NAME_ATTEMPTS} tries")


@overload
def open_atomic(
    path: str | os.PathLike[str],
    mode: Literal["wb"],
    *,
    permissions: int = ...,
    durable: bool = ...,
) -> AtomicFile[BinaryIO]: ...


@overload
def open_atomic(
    path: str | os.PathLike[str],
    mode: Literal["w"] = ...,
    *,
    encoding: str = ...,
    newline: str | None = ...,
    permissions: int = ...,
    durable: bool = ...,
) -> AtomicFile[TextIO]: ...


def open_atomic(
    path: str | os.PathLike[str],
    mode: Literal["w", "wb"] = "w",
    *,
    encoding: str = "utf-8",
    newline: str | None = None,
    permissions: int = 0o666,
    durable: bool = True,
) -> AtomicFile[Any]:
    """Open ``path`` for writing through a temporary file renamed over it on success.

    Args:
        path: the target file; its directory must exist. If it is a symbolic link, the
            link itself is replaced.
        mode: ``"w"`` for text, ``"wb"`` for bytes.
        encoding: the text encoding (text mode only).
        newline: as for :func:`open` (text mode only); ``""`` writes ``\\n`` untranslated.
        permissions: the new file's mode bits before the umask (``0o600`` for files only
            the owner may read, such as payment files).
        durable: ``fsync`` the file and its directory (``False`` only for throw-away output).

    Returns:
        An :class:`AtomicFile`: use it in a ``with`` block, which yields the open file.

    Raises:
        OSError: the temporary file cannot be created (missing directory, no permission).
        ValueError: ``mode`` is not ``"w"`` or ``"wb"``.

    >>> import os, tempfile
    >>> from allocations.adapters.files import open_atomic
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with open_atomic(target) as out:
    ...     _ = out.write("complete\\n")
    >>> open(target).read()
    'complete\\n'
    >>> try:
    ...     with open_atomic(target) as out:
    ...         _ = out.write("half of it")
    ...         raise RuntimeError("crash in the middle")
    ... except RuntimeError:
    ...     pass
    >>> open(target).read(), os.listdir(os.path.dirname(target))
    ('complete\\n', ['out.txt'])

    .. versionadded:: 0.1.0
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' (text) or 'wb' (bytes), got {mode!r}")
    target = os.fspath(path)
    fd, temporary = _create_temporary(target, permissions)
    try:
        raw = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        os.unlink(temporary)
        raise
    file: IO[Any] = raw
    if mode == "w":
        file = io.TextIOWrapper(cast(BinaryIO, raw), encoding=encoding, newline=newline)
    return AtomicFile(target, file, temporary, durable=durable)
