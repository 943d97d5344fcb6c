"""Provides ``in_child``: a pure computation run in a forked copy of this process on another
core while this one goes on, its values coming back pickled through a pipe as they are made.

fsrs-rs holds the GIL while it computes, so a thread cannot overlap two of its calls; a
fork can, and shares the large inputs (the training items) copy-on-write instead of sending
them. The child runs only the given generator and then leaves with ``os._exit``: no cleanup,
context manager, database connection or atexit hook of the parent runs in it. When forking
is not safe or not worth it (see ``can_fork``) or the child fails in any way, this process
runs the generator itself (skipping the values the child did deliver): the computation must
be deterministic, so the values are the same.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_LENGTH = struct.Struct("<Q")  # each value travels as its length, then its pickle


def can_fork() -> bool:
    """Whether a forked helper can run here: POSIX fork; no other thread (whose locks a
    child could inherit held): neither a Python thread (the TUI runs optimisations in a
    worker) nor a native one (the fsrs-rs simulator's pool); and a core to spare, the load
    average staying below the number of cores less one. On a busy machine the two
    processes would only take turns: done no sooner, for the CPU time that copy-on-write
    pages and cold caches cost."""
    if not hasattr(os, "fork") or _thread_count() != 1:
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]  # runnable processes, averaged over the last minute
    except (AttributeError, OSError):  # not known here: assume the machine is idle
        busy = 0.0
    return busy < cores - 1


def _thread_count() -> int:
    try:
        return len(os.listdir("/proc/self/task"))  # every thread of the process (Linux)
    except OSError:
        return threading.active_count()


class Stream(Generic[T]):
    """The values of a generator being run in a child process (or, ``pid`` None, here)."""

    def __init__(self, produce: Callable[[], Iterator[T]], pid: int | None, pipe: int | None):
        self._produce = produce
        self._pid = pid
        self._pipe = pipe
        self._received = 0
        self._local: Iterator[T] | None = None
        self._started = pid is not None

    @property
    def forked(self) -> bool:
        """Whether a child process was started (the values may still come from here)."""
        return self._started

    def __next__(self) -> T:
        """The next value: the child's if it delivers it, else computed here."""
        if self._pipe is not None:
            try:
                value = self._receive()
            except BaseException:  # interrupted: do not leave the child behind
                self.close()
                raise
            if value is not None:
                self._received += 1
                return value[0]
            self.close()  # the child failed or finished early: go on here
        if self._local is None:
            self._local = self._produce()
            for _ in range(self._received):  # the values the child did deliver
                next(self._local)
        return next(self._local)

    def close(self) -> None:
        """Reap the child, stopping it first if it still runs (call once the values are in,
        or to give up on them)."""
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self._pid is not None:
            pid, self._pid = self._pid, None
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == 0:  # still running: stop it
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
            except ChildProcessError:  # reaped already (SIGCHLD ignored by the program)
                pass

    def _receive(self) -> tuple[T] | None:
        assert self._pipe is not None
        head = _read_exactly(self._pipe, _LENGTH.size)
        if head is None:
            return None
        body = _read_exactly(self._pipe, _LENGTH.unpack(head)[0])
        if body is None:
            return None
        value: T = pickle.loads(body)  # written by our own child
        return (value,)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def in_child(produce: Callable[[], Iterator[T]], *, fork: bool = True) -> Stream[T]:
    """Start ``produce()`` in a forked child when ``fork`` and ``can_fork()``, else run it
    here, lazily, as its values are asked for.

    ``produce`` must be deterministic and change nothing that matters in this process: the
    child's changes are lost, and this process may run it again if the child fails. Take
    the values with ``next()``, then ``close()`` the stream (also when giving up early).
    """
    if not (fork and can_fork()):
        return Stream(produce, None, None)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running any cleanup
        code = 1
        try:
            os.close(read_end)
            for value in produce():
                body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                data = memoryview(_LENGTH.pack(len(body)) + body)
                while data:
                    data = data[os.write(write_end, data) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return Stream(produce, pid, read_end)
