# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Signs of life during a long stage: the elapsed time, beside what the stage is expected to take.

A terminal sees one line that a spinner rewrites every second; a log file (or any non-terminal) gets a line when the
stage starts, one a minute while it runs, and one when it ends, so that a waiting user, or a log read later, can tell
a slow stage from a hung one."""

import contextlib
import sys
import threading
import time

SPINNER = "|/-\\"


def format_seconds(seconds: float) -> str:
    """'42 s', '3 min 05 s', '1 h 02 min'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@contextlib.contextmanager
def waiting(stage: str, expected: str, stream=None, interval: float = 60.0):
    """Report ``stage`` as running until the block ends: elapsed time beside ``expected`` (e.g. 'about 5 min').

    Parameters
    ----------
    stage : str
        What is running, as the user should read it.
    expected : str
        How long it usually takes, in words.
    stream : file, optional
        Where to write (default: sys.stdout).
    interval : float
        Seconds between lines when the stream is not a terminal.
    """
    stream = stream or sys.stdout
    terminal = hasattr(stream, "isatty") and stream.isatty()
    started = time.monotonic()
    done = threading.Event()
    print(f"{stage} (expected: {expected})", file=stream, flush=True)

    def report():
        tick = 0
        while not done.wait(1.0 if terminal else interval):
            elapsed = format_seconds(time.monotonic() - started)
            if terminal:
                print(f"\r  {SPINNER[tick % len(SPINNER)]} {elapsed} elapsed ", end="", file=stream, flush=True)
                tick += 1
            else:
                print(f"  ... still running, {elapsed} elapsed", file=stream, flush=True)

    thread = threading.Thread(target=report, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        ending = "\r" if terminal else ""
        print(f"{ending}  done in {format_seconds(time.monotonic() - started)}      ", file=stream, flush=True)


def log_stream(log):
    """The stream a log function writes to (print: standard output), for progress.waiting."""
    return sys.stdout if log is print else _LogStream(log)


class _LogStream:
    """A write()-able stream that passes whole lines to a log function (not a terminal: one line a minute)."""

    def __init__(self, log):
        self.log = log

    def write(self, text):
        for line in text.replace("\r", "").splitlines():
            if line.strip():
                self.log(line)

    def flush(self):
        pass
