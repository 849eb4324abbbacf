"""Grading library for the Mica lab grade scripts.

A grade script registers tests on a Lab and runs them:

    from gradelib import Lab, assert_eq
    lab = Lab("boot")

    @lab.test(10, "banner", append="test=banner", cpus=2, timeout=30)
    def _(q):
        m = q.expect(r"harts: (\\d+)")
        assert_eq(m.group(1), "2", "hart count")

    lab.run()

Each test gets a QemuSession `q`, already started unless boot=False.  The
QEMU command comes from `make -s print-qemu [CPUS=n]` in the repository
root; files it names under build/ are replaced by private copies, so tests
never modify build/.  Every QEMU runs in its own process group, which is
killed when its test ends, when the grader exits, and on SIGINT/SIGTERM.

All timeouts are given in seconds and multiplied by $GRADE_TIMEOUT_SCALE
(default 1).  The repository root is gradelib.ROOT if set, else $MICA_ROOT,
else the parent of this file's directory.
"""

from __future__ import annotations

import argparse
import atexit
import codecs
import json
import math
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Callable

__all__ = ["Lab", "QemuSession", "TestFailure", "assert_eq", "assert_true",
           "qemu_command", "repo_root", "run", "test"]

DEFAULT_TIMEOUT = 30.0    # seconds per expect, before scaling
DEADLINE_FACTOR = 4       # a whole test may take this many expect timeouts
TAIL_LINES = 10           # output lines quoted in failure messages
MAKE_TIMEOUT = 120.0      # seconds allowed for `make print-qemu`
POLL_SECONDS = 0.05       # wake-up interval while waiting for output
SILENT_SECONDS = 5.0      # this long without output: say the kernel may be stuck
SILENCE_LIMIT = 15.0      # a Lab test gives up on a kernel silent this long (scaled)
OUTPUT_CAP = 512 * 1024  # characters of QEMU output a session keeps (a few hundred KiB)
SETTLE_SECONDS = 0.1      # an incomplete line must be this still to match
DRAIN_SECONDS = 1.0       # output collection allowed after QEMU exits
JOIN_SECONDS = 2.0        # wait for helper threads when closing

ROOT: str | None = None   # overrides the repository root when set


class TestFailure(Exception):
    """A test expectation was not met; str(exc) explains why."""


def assert_eq(got, want, what):
    """Raise TestFailure naming `what` unless got == want."""
    if got != want:
        raise TestFailure(f"{what}: got {got!r}, want {want!r}")


def assert_true(cond, msg):
    """Raise TestFailure(msg) unless cond is true."""
    if not cond:
        raise TestFailure(msg)


def repo_root() -> str:
    """Return the absolute repository root (see the module docstring)."""
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    return os.path.abspath(ROOT or os.environ.get("MICA_ROOT") or default)


def save_output(folder: str, name: str, text: str) -> str:
    """Keep a failed run's QEMU output in grade-out/FOLDER/NAME.out; its path."""
    out = os.path.join(repo_root(), "grade-out", folder)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"{name}.out")
    with open(path, "w") as f:
        f.write(text)
    return path


def fsck(disk: str) -> tuple[bool, str]:
    """Check a disk image with the host's fsck: (clean, what it said)."""
    p = subprocess.run([os.path.join(repo_root(), "build", "host", "fsck"), disk],
                       capture_output=True, text=True)
    return p.returncode == 0, (p.stdout + p.stderr).strip()


def timeout_scale() -> float:
    """Return $GRADE_TIMEOUT_SCALE as a positive float (1 when unset).

    Raises ValueError if the variable is set to anything else.
    """
    raw = os.environ.get("GRADE_TIMEOUT_SCALE", "").strip()
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        scale = math.nan
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"GRADE_TIMEOUT_SCALE must be a positive number, not {raw!r}")
    return scale


def _fmt(number: float) -> str:
    """Format a number of seconds or points compactly (30, 0.5, 12.5)."""
    return f"{number:g}"


# ---------------------------------------------------------------------------
# The QEMU command line, from the Makefile

_command_lock = threading.Lock()
_command_cache: dict[tuple[str, int | None], tuple[list[str] | None, str | None]] = {}


def qemu_command(cpus: int | None = None) -> list[str]:
    """Return the argv printed by `make -s print-qemu [CPUS=cpus]` in the root.

    The make is run once per (root, cpus) and its result, success or
    failure, cached.  Raises TestFailure if make fails or does not print
    exactly one shell-quoted command line.
    """
    key = (repo_root(), cpus)
    with _command_lock:
        if key not in _command_cache:
            _command_cache[key] = _ask_make(*key)
        argv, error = _command_cache[key]
    if error:
        raise TestFailure(error)
    return list(argv)


def _ask_make(root: str, cpus: int | None) -> tuple[list[str] | None, str | None]:
    """Run make print-qemu in root; return (argv, None) or (None, error)."""
    cmd = ["make", "-s", "print-qemu"] + ([] if cpus is None else [f"CPUS={cpus}"])
    what = f"`{shlex.join(cmd)}` in {root}"
    try:
        res = subprocess.run(cmd, cwd=root, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, errors="replace", timeout=MAKE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"{what} could not run: {exc}"
    if res.returncode != 0:
        detail = "\n".join((res.stderr + res.stdout).splitlines()[-TAIL_LINES:])
        return None, f"{what} failed with status {res.returncode}:\n{detail}"
    lines = [line for line in res.stdout.splitlines() if line.strip()]
    if len(lines) != 1:
        return None, (f"{what} printed {len(lines)} lines, expected one QEMU command:\n"
                      + res.stdout.rstrip())
    try:
        return shlex.split(lines[0]), None
    except ValueError as exc:
        return None, f"{what} printed an unparsable command ({exc}): {lines[0]}"


# ---------------------------------------------------------------------------
# Every live QEMU, so that none survives the grader

_live_lock = threading.RLock()   # re-entrant: the signal handler may interrupt a holder
_live: set[subprocess.Popen] = set()
_accepting = True                # false once the grader is shutting down


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL proc's process group (proc leads its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass   # the group is already gone


def _shutdown_qemus() -> None:
    """Kill every live QEMU process group and refuse to start new ones."""
    global _accepting
    with _live_lock:
        _accepting = False
        for proc in list(_live):
            _kill_group(proc)


atexit.register(_shutdown_qemus)


def _install_signal_handlers() -> None:
    """On SIGINT/SIGTERM kill every live QEMU, then exit with 128 + signum."""
    def handler(signum, _frame):
        _shutdown_qemus()
        print(f"\ngradelib: {signal.Signals(signum).name}: killed QEMU, exiting",
              file=sys.stderr, flush=True)
        raise SystemExit(128 + signum)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


# ---------------------------------------------------------------------------
# One QEMU run

FAIL_LINE = re.compile(r"^FAIL: ")   # a test program's failed check (user/lib/utest.h)


class _ReportedFailure:
    """What _find returns when the program printed a FAIL line first."""
    def __init__(self, line: str):
        self.line = line


class QemuSession:
    """One QEMU process, its output, and a cursor into that output.

    Output is decoded as UTF-8 (invalid bytes replaced) with \\r\\n and lone
    \\r turned into \\n, and kept as complete lines plus the incomplete last
    line.  Expectations match line by line with re.search.  Timeouts are in
    seconds, multiplied by $GRADE_TIMEOUT_SCALE; `timeout` is the default for
    expect calls that give none.
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, verbose: bool = False):
        self._scale = timeout_scale()
        self.default_timeout = timeout
        self.fail_fast = True   # an expect ends at the program's first `FAIL: ` line
        self.silence_limit: float | None = None   # seconds: give up on a kernel this quiet
        self.verbose = verbose
        self.command: list[str] | None = None   # argv actually run, once started
        self._proc: subprocess.Popen | None = None
        self._tmpdir: str | None = None
        self._copies: dict[str, str] = {}
        self._threads: list[threading.Thread] = []
        self._lifecycle = threading.Lock()
        self._closed = False
        self._stalled_until = 0.0               # stall(): no reading before this time
        self._cond = threading.Condition()     # guards everything below
        self._lines: list[str] = []
        self._partial = ""
        self._cursor_line = 0                  # first unconsumed line
        self._cursor_col = 0                   # consumed prefix of that line
        self._last_output = time.monotonic()
        self._finished = False                 # QEMU exited and output collected
        self._kept = 0                         # characters of output kept

    # -- starting and stopping ------------------------------------------------

    def start(self, append: str | None = None, cpus: int | None = None,
              extra_args: list[str] | None = None, disk: str | None = None,
              kernel: str | None = None) -> None:
        """Start QEMU: the Makefile command for `cpus`, then `-append append`
        if given, then extra_args, then shlex-split $QEMUEXTRA.

        Files under build/ named by the arguments (whole, or as a key=value
        item of a comma-separated option) are replaced by fresh copies; so
        each test gets a fresh build/fs.img.  `disk` names an image to attach
        instead, used in place (a test that boots twice, or looks at the
        disk afterwards, owns its image).  `kernel` names another kernel
        image to boot (the bench's build/kernel-notrace.elf).
        Raises TestFailure if already started, closed, or QEMU cannot start.
        """
        with self._lifecycle:
            if self._closed:
                raise TestFailure("QEMU session is closed (the test ran past its deadline?)")
            if self._proc is not None:
                raise TestFailure("QEMU was already started in this test")
            argv = self._build_argv(append, cpus, extra_args, disk, kernel)
            with _live_lock:
                if not _accepting:
                    raise TestFailure("the grader is shutting down")
                try:
                    self._proc = subprocess.Popen(
                        argv, cwd=repo_root(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, start_new_session=True)
                except OSError as exc:
                    raise TestFailure(f"cannot start QEMU ({shlex.join(argv)}): {exc}") from None
                _live.add(self._proc)
            self.command = argv
            with self._cond:
                self._last_output = time.monotonic()
            reader = self._spawn(self._read_output)
            self._spawn(self._watch_exit, reader)

    def close(self) -> None:
        """Kill QEMU's whole process group, reap it, and delete the private
        file copies.  Idempotent; a closed session cannot be started."""
        with self._lifecycle:
            if self._closed:
                return
            self._closed = True
        proc = self._proc
        if proc is not None:
            _kill_group(proc)
            proc.wait()
            for thread in self._threads:
                thread.join(JOIN_SECONDS)
            with _live_lock:
                _live.discard(proc)
            try:
                proc.stdin.close()
            except OSError:
                pass   # nothing useful to do about an unflushable pipe
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def _build_argv(self, append, cpus, extra_args, disk=None, kernel=None) -> list[str]:
        """Assemble the QEMU argv described in start()."""
        try:
            extra = list(extra_args or []) + shlex.split(os.environ.get("QEMUEXTRA", ""))
        except ValueError as exc:
            raise TestFailure(f"cannot parse QEMUEXTRA: {exc}") from None
        argv = []
        for arg in qemu_command(cpus):
            if kernel is not None and argv and argv[-1] == "-kernel":
                argv.append(self._isolate_arg(kernel))
            elif disk is not None and "id=fsdisk" in arg.split(","):
                arg = ",".join(f"file={disk}" if item.startswith("file=") else item
                               for item in arg.split(","))
                argv.append(arg)
            else:
                argv.append(self._isolate_arg(arg))
        if append is not None:
            argv += ["-append", append]
        return argv + [self._isolate_arg(arg) for arg in extra]

    def _isolate_arg(self, arg: str) -> str:
        """Return arg with any build/ file it names replaced by a private copy:
        either the whole argument, or values of key=value items in a
        comma-separated option such as `file=build/fs.img,format=raw`."""
        whole = self._private_copy(arg)
        if whole != arg or "=" not in arg:
            return whole
        items = []
        for item in arg.split(","):
            key, eq, value = item.partition("=")
            items.append(key + eq + self._private_copy(value) if eq else item)
        return ",".join(items)

    def _private_copy(self, path: str) -> str:
        """If path (relative to the root) is a file under build/, return the
        path of a copy in this session's temporary directory; else path."""
        root = repo_root()
        build = os.path.realpath(os.path.join(root, "build"))
        real = os.path.realpath(os.path.join(root, path))
        if not path or not os.path.isfile(real) or os.path.commonpath([real, build]) != build:
            return path
        if real not in self._copies:
            if self._tmpdir is None:
                self._tmpdir = tempfile.mkdtemp(prefix="mica-grade-")
            dest = os.path.join(self._tmpdir, os.path.relpath(real, build))
            try:
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copyfile(real, dest)
            except OSError as exc:
                raise TestFailure(f"cannot copy {path} for QEMU: {exc}") from None
            self._copies[real] = dest
        return self._copies[real]

    def _spawn(self, target, *args) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()
        return thread

    def _read_output(self) -> None:
        """Background: collect QEMU's output until EOF, then close the pipe."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        stdout = self._proc.stdout
        held_cr = False   # a trailing \r may be the first half of \r\n
        while True:
            while time.monotonic() < self._stalled_until:   # a terminal that stopped reading
                time.sleep(POLL_SECONDS)
            try:
                chunk = os.read(stdout.fileno(), 4096)
            except OSError:
                chunk = b""
            text = ("\r" if held_cr else "") + decoder.decode(chunk, final=not chunk)
            held_cr = bool(chunk) and text.endswith("\r")
            if held_cr:
                text = text[:-1]
            self._append(text.replace("\r\n", "\n").replace("\r", "\n"))
            if not chunk:
                break
        stdout.close()

    def _append(self, text: str) -> None:
        """Add normalised output text to the line buffer; past OUTPUT_CAP
        characters the rest is dropped (a submission printing without end)."""
        if not text:
            return
        with self._cond:
            if self._kept >= OUTPUT_CAP:
                self._last_output = time.monotonic()
                return
            self._kept += len(text)
            if self._kept >= OUTPUT_CAP:
                text = text[:max(0, len(text) - (self._kept - OUTPUT_CAP))] + \
                    f"\n[gradelib: QEMU printed more than {OUTPUT_CAP // 1024} KiB: the rest is dropped]\n"
            pieces = (self._partial + text).split("\n")
            self._lines.extend(pieces[:-1])
            self._partial = pieces[-1]
            self._last_output = time.monotonic()
            self._cond.notify_all()
        if self.verbose:
            sys.stdout.write(text)
            sys.stdout.flush()

    def _watch_exit(self, reader: threading.Thread) -> None:
        """Background: once QEMU exits and its output is drained, mark the
        session finished.  (Output is drained when the pipe reaches EOF, or
        after DRAIN_SECONDS if a leftover child keeps the pipe open.)"""
        self._proc.wait()
        reader.join(DRAIN_SECONDS)
        with self._cond:
            self._finished = True
            self._cond.notify_all()

    # -- waiting ----------------------------------------------------------------

    def _require_started(self) -> None:
        if self._proc is None:
            raise TestFailure("QEMU is not running: call q.start() first (test has boot=False)")

    def _seconds(self, timeout: float | None) -> float:
        """Scaled seconds for an expect timeout (None: the session default)."""
        return (self.default_timeout if timeout is None else timeout) * self._scale

    def _wait_until(self, check: Callable[[], object], deadline: float):
        """Call check() (under the output lock) whenever output arrives, and at
        least every POLL_SECONDS, until it returns non-None; return that value.
        Return None at the deadline, or once QEMU finished and check() fails."""
        with self._cond:
            while True:
                result = check()
                if result is not None or self._finished:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                if (self.silence_limit and self._proc and self._proc.poll() is None and
                        time.monotonic() - self._last_output > self.silence_limit):
                    return None   # a kernel that went quiet: _failure says so
                self._cond.wait(min(remaining, POLL_SECONDS))

    def _find(self, pattern: re.Pattern, deadline: float) -> re.Match | None:
        """Wait for pattern to match the unconsumed output and consume it.

        Complete lines are searched in order; the incomplete last line is
        searched too once output has been still for SETTLE_SECONDS (so a
        prompt such as "$ " matches, but "harts: 1" of "harts: 16" does not).
        Consumes through the matching line (through the current end of an
        incomplete line).  Returns the Match, or None as _wait_until does."""
        scanned = self._cursor_line

        def unconsumed(index: int, line: str) -> str:
            return line[self._cursor_col:] if index == self._cursor_line else line

        def check():
            nonlocal scanned
            while scanned < len(self._lines):
                line = unconsumed(scanned, self._lines[scanned])
                match = pattern.search(line)
                scanned += 1
                if match:
                    self._cursor_line, self._cursor_col = scanned, 0
                    return match
                if self.fail_fast and FAIL_LINE.search(line):
                    self._cursor_line, self._cursor_col = scanned, 0
                    return _ReportedFailure(line)
            settled = time.monotonic() - self._last_output >= SETTLE_SECONDS
            rest = unconsumed(scanned, self._partial)
            if rest and (settled or self._finished):
                match = pattern.search(rest)
                if match:
                    self._cursor_line, self._cursor_col = scanned, len(self._partial)
                    return match
            return None

        return self._wait_until(check, deadline)

    def _state(self) -> str:
        """'still running' or how QEMU ended."""
        code = self._proc.returncode if self._proc else None
        if code is None:
            return "still running"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exited with status {code}"

    def _failure(self, head: str) -> TestFailure:
        """A TestFailure: head, QEMU's state, and the last output lines."""
        tail = self.lines()[-TAIL_LINES:]
        if tail:
            shown = f"last {len(tail)} lines of output:\n" + "\n".join("| " + l for l in tail)
        else:
            shown = "(no output from QEMU)"
        state = self._state()
        silent = time.monotonic() - self._last_output
        if state == "still running" and silent >= SILENT_SECONDS:
            state += (f", silent for the last {silent:.0f}s: the kernel may be stuck. To see "
                      "where: make qemu-gdb, then in gdb-multiarch `continue`, ^C, `bt` and "
                      "`info registers` (docs/gdb.md)")
        return TestFailure(f"{head}; QEMU {state}\n{shown}")

    def _expect(self, regex, deadline: float, when: str) -> re.Match:
        self._require_started()
        match = self._find(re.compile(regex), deadline)
        if isinstance(match, _ReportedFailure):
            raise self._failure(f"the test program failed a check: {match.line.strip()} "
                                f"(while waiting for /{getattr(regex, 'pattern', regex)}/)")
        if match is None:
            silent = time.monotonic() - self._last_output
            if self.silence_limit and silent >= self.silence_limit and \
                    self._proc and self._proc.poll() is None:
                when = "(given up early)"
            raise self._failure(f"expected /{getattr(regex, 'pattern', regex)}/ {when}")
        return match

    # -- the test API -------------------------------------------------------

    def expect(self, regex, timeout: float | None = None) -> re.Match:
        """Wait for regex to match output after the cursor (see _find) and
        return the Match.  Raises TestFailure on timeout or if QEMU exits
        first, quoting the last output lines."""
        seconds = self._seconds(timeout)
        return self._expect(regex, time.monotonic() + seconds, f"within {_fmt(seconds)}s")

    def expect_seq(self, regexes, timeout: float | None = None) -> list[re.Match]:
        """Expect each regex in order, each after the previous match, all
        within one timeout.  Returns the Matches."""
        seconds = self._seconds(timeout)
        deadline = time.monotonic() + seconds
        return [self._expect(regex, deadline,
                             f"(step {i} of {len(regexes)}) within {_fmt(seconds)}s")
                for i, regex in enumerate(regexes, 1)]

    def expect_not(self, regex) -> None:
        """Raise TestFailure if any output line so far, consumed or not,
        matches regex."""
        pattern = re.compile(regex)
        for line in self.lines():
            if pattern.search(line):
                raise TestFailure(f"unexpected /{pattern.pattern}/ matched output line: {line!r}")

    def expect_exit(self, timeout: float | None = None) -> int:
        """Wait for QEMU to exit by itself and return its exit status
        (negative: killed by that signal).  Raises TestFailure if it is still
        running after the timeout."""
        self._require_started()
        seconds = self._seconds(timeout)
        self._wait_until(lambda: None, time.monotonic() + seconds)
        if not self._finished:
            raise self._failure(f"expected QEMU to exit within {_fmt(seconds)}s")
        return self._proc.returncode

    def wait_quiet(self, seconds: float, timeout: float | None = None) -> None:
        """Wait until QEMU has printed nothing for `seconds` (unscaled) or has
        exited.  Raises TestFailure if that does not happen within timeout."""
        self._require_started()
        limit = self._seconds(timeout)

        def quiet():
            return True if time.monotonic() - self._last_output >= seconds else None
        if self._wait_until(quiet, time.monotonic() + limit) is None and not self._finished:
            raise self._failure(f"expected {_fmt(seconds)}s without output within {_fmt(limit)}s")

    @property
    def output(self) -> str:
        """All output so far, consumed or not."""
        with self._cond:
            return "".join(line + "\n" for line in self._lines) + self._partial

    def lines(self) -> list[str]:
        """All output lines so far, including an incomplete last line."""
        with self._cond:
            return self._lines + ([self._partial] if self._partial else [])

    def trace(self, index: int = -1):
        """The kernel's IPC trace as dumped in the output so far (TRACE_DUMP,
        the `trace` program, ^\\), parsed by grade/mtrace.py: the last
        complete dump, or dump `index`. A test asserts on its events and
        messages (mtrace.Trace.calls, .nested, .events); no dump is a
        TestFailure that says so."""
        import mtrace
        try:
            return mtrace.parse(self.output, index)
        except mtrace.TraceError as exc:
            raise TestFailure(f"the IPC trace: {exc}") from None

    def stall(self, seconds: float) -> None:
        """Stop reading QEMU's output for `seconds`, as a slow terminal would:
        the pipe fills and the guest's UART stops taking bytes."""
        self._stalled_until = time.monotonic() + seconds

    def send(self, text: str) -> None:
        """Write text to QEMU's stdin (the serial console) and flush."""
        self._require_started()
        try:
            self._proc.stdin.write(text.encode())
            self._proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise TestFailure(f"cannot send {text!r}: QEMU {self._state()}") from None


# ---------------------------------------------------------------------------
# Labs: registering, running and reporting tests

@dataclass
class _Test:
    name: str
    points: float
    fn: Callable[[QemuSession], object]
    timeout: float
    boot: bool
    boot_args: dict
    visibility: str = "visible"


@dataclass
class _Outcome:
    name: str
    points: float
    max_points: float
    passed: bool
    message: str
    seconds: float
    output: str
    saved_to: str = ""      # where the failed test's output was saved (not in reports)
    visibility: str = "visible"   # Gradescope: visible, hidden, after_due_date, after_published


PASS_LINE = re.compile(r"^case \S+: PASS")


def _check_token(q: "QemuSession", token: str) -> None:
    """Every `case X: PASS` line must carry this run's token: the test
    driver prints it only for a case whose checks all passed."""
    for line in q.lines():
        if PASS_LINE.match(line) and not line.rstrip().endswith(f"[token {token}]"):
            raise TestFailure(f"a PASS line without this run's token (printed by something "
                              f"else than the test driver?): {line.strip()}")


def _describe(exc: BaseException) -> str:
    """A failure message for an exception raised by a test (no traceback;
    for unexpected exception types, the innermost frame outside gradelib)."""
    if isinstance(exc, TestFailure):
        return str(exc) or "TestFailure (no message)"
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    if frames:
        where = frames[-1]
        text += f" (at {os.path.basename(where.filename)}:{where.lineno} in {where.name})"
    return text


def _run_with_deadline(fn: Callable[[], object], seconds: float) -> str | None:
    """Run fn on a worker thread; return None if it returned, else a failure
    message (its exception, or that it overran `seconds`; an overrunning
    worker is abandoned)."""
    box: dict[str, str] = {}

    def work():
        try:
            fn()
        except BaseException as exc:   # a test must not end the grader
            box["error"] = _describe(exc)
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        return f"test did not finish within its overall deadline of {_fmt(seconds)}s"
    return box.get("error")


_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """text with characters XML 1.0 cannot hold shown as \\xNN."""
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _safe_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


class Lab:
    """A named set of tests.  Register with @lab.test, then call lab.run()."""

    def __init__(self, name: str):
        self.name = name
        self._tests: list[_Test] = []
        self._outcomes: list[_Outcome] = []

    def root_case(self, points: float, name: str, program: str, case: str, cpus: int,
                  *lines: str, timeout: float | None = None) -> None:
        """A test that boots test program `program` as the root task with
        case=`case` on `cpus` harts: it must print each regex of lines in
        order, then `case CASE: PASS`, no FAIL line, and end with status 0."""
        options = {} if timeout is None else {"timeout": timeout}

        @self.test(points, name, cpus=cpus, append=f"root={program} case={case}", **options)
        def _(q):
            q.expect_seq(list(lines) + [rf"^case {case}: PASS"])
            q.expect_not(r"^FAIL")
            q.expect(rf"^root task '{program}' exited with status 0")

    @property
    def results(self) -> list[tuple[str, float, float, bool, str]]:
        """(name, points_got, points_max, passed, message) per test run."""
        return [(o.name, o.points, o.max_points, o.passed, o.message) for o in self._outcomes]

    def test(self, points: float, name: str, *, append: str | None = None,
             cpus: int | None = None, timeout: float = DEFAULT_TIMEOUT, boot: bool = True,
             extra_args: list[str] | None = None, visibility: str = "visible"):
        """Decorator registering fn(q) as a test worth `points`.

        Unless boot is False, q is started with append/cpus/extra_args
        before fn runs (see QemuSession.start).  `timeout` is the default for
        q's expects; the whole test may take DEADLINE_FACTOR times that.
        The test passes if fn returns and fails if it raises anything.
        visibility is its Gradescope visibility (hidden, after_due_date, ...)."""
        if not name or any(t.name == name for t in self._tests):
            raise ValueError(f"test name {name!r} is empty or already used in lab {self.name}")
        if points < 0 or timeout <= 0:
            raise ValueError(f"test {name!r}: points must be >= 0 and timeout > 0")

        def register(fn):
            boot_args = {"append": append, "cpus": cpus, "extra_args": extra_args}
            self._tests.append(_Test(name, points, fn, timeout, boot, boot_args, visibility))
            return fn
        return register

    def run(self, argv: list[str] | None = None) -> None:
        """Run the tests selected by argv (default sys.argv[1:]); never returns.

        Prints `<name>: OK (1.2s)` or `<name>: FAIL (1.2s)` plus indented
        reasons per test, then `Score: X/Y`, and writes the requested
        reports.  Exits 0 if every selected test passed, 1 if not, 2 on a
        usage error."""
        opts = self._parse_args(argv)
        try:
            timeout_scale()
        except ValueError as exc:
            self._usage_error(str(exc))
        selected = [t for t in self._tests
                    if not opts.filters or any(f in t.name for f in opts.filters)]
        if opts.filters and not selected:
            self._usage_error(f"no test in lab {self.name} matches {' '.join(opts.filters)}")
        _install_signal_handlers()
        out_dir = opts.out_dir or os.path.join(repo_root(), "grade-out", self.name)
        setup_error = opts.fail_all or self._setup_error()
        for t in selected:
            outcome = self._run_test(t, setup_error, opts.verbose, " ".join(opts.bootarg))
            self._report(outcome, out_dir)
            self._outcomes.append(outcome)
        got = sum(o.points for o in self._outcomes)
        total = sum(o.max_points for o in self._outcomes)
        print(f"Score: {_fmt(got)}/{_fmt(total)}", flush=True)
        reports_ok = self._write_reports(opts, got, total)
        sys.exit(0 if reports_ok and all(o.passed for o in self._outcomes) else 1)

    def _parse_args(self, argv):
        parser = argparse.ArgumentParser(description=f"Grade lab {self.name}.")
        parser.add_argument("filters", nargs="*", metavar="TEST",
                            help="run only tests whose name contains one of these")
        parser.add_argument("-v", "--verbose", action="store_true", help="echo QEMU output")
        parser.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
        parser.add_argument("--results-json", metavar="FILE",
                            help="write a Gradescope results.json")
        parser.add_argument("--out-dir", metavar="DIR",
                            help="where failed tests' output goes (default grade-out/LAB)")
        parser.add_argument("--bootarg", action="append", default=[], metavar="ARG",
                            help="add ARG to every test's kernel command line "
                                 "(make test runs lab ipc with nofastpath too)")
        parser.add_argument("--fail-all", metavar="REASON",
                            help="run nothing: report every test failed for REASON "
                                 "(a submission that does not build)")
        return parser.parse_args(argv)

    @staticmethod
    def _usage_error(message: str) -> None:
        print(f"gradelib: {message}", file=sys.stderr)
        sys.exit(2)

    @staticmethod
    def _setup_error() -> str | None:
        """Why no test can run (the default QEMU command is unavailable), or None."""
        try:
            qemu_command()
        except TestFailure as exc:
            return f"cannot get the QEMU command: {exc}"
        return None

    def _run_test(self, t: _Test, setup_error: str | None, verbose: bool,
                  bootargs: str = "") -> _Outcome:
        """Run one test (unless setup_error says none can) and return its outcome."""
        session = QemuSession(timeout=t.timeout, verbose=verbose)
        # a test's kernel that prints nothing for this long has hung: say so now
        session.silence_limit = min(t.timeout, SILENCE_LIMIT) * timeout_scale()
        started = time.monotonic()

        token = secrets.token_hex(8)
        boot_args = dict(t.boot_args)
        append = boot_args.get("append")
        if t.boot and bootargs:
            append = boot_args["append"] = f"{bootargs} {append or ''}".strip()
        if t.boot and append is not None:
            # test programs (user/lib/utest.c) put it on their PASS lines; a
            # root task reads the command line, a spawned one its start-up
            # block (the memory server copies it); before run=, so that
            # init does not hand it to the program as an argument
            at = append.find("run=")
            boot_args["append"] = (f"{append} token={token}" if at < 0 else
                                   f"{append[:at]}token={token} {append[at:]}")
        else:
            token = None

        def body():
            if t.boot:
                session.start(**boot_args)
            t.fn(session)
            if token:
                _check_token(session, token)
        try:
            deadline = t.timeout * DEADLINE_FACTOR * timeout_scale()
            error = setup_error or _run_with_deadline(body, deadline)
        finally:
            session.close()
        passed = error is None
        return _Outcome(t.name, t.points if passed else 0, t.points, passed, error or "",
                        time.monotonic() - started, session.output, visibility=t.visibility)

    def _report(self, o: _Outcome, out_dir: str) -> None:
        """Print o's result line, save or clear its output file, and append
        to $GRADE_SUMMARY_FILE.  Adds the output file's path to o.message."""
        out_path = os.path.join(out_dir, _safe_filename(o.name) + ".out")
        try:
            if o.passed:
                if os.path.exists(out_path):
                    os.remove(out_path)   # stale output of an earlier failure
            else:
                os.makedirs(out_dir, exist_ok=True)
                with open(out_path, "w", encoding="utf-8") as f:
                    f.write(f"FAIL {self.name}/{o.name}\n{o.message}\n\n--- QEMU output ---\n")
                    f.write(o.output)
                o.saved_to = out_path
        except OSError as exc:
            o.message += f"\ncould not save output: {exc}"
        print(f"{o.name}: {'OK' if o.passed else 'FAIL'} ({o.seconds:.1f}s)")
        for line in o.message.splitlines():
            print("    " + line)
        if o.saved_to:
            print(f"    output saved to {o.saved_to}")
        sys.stdout.flush()
        summary = os.environ.get("GRADE_SUMMARY_FILE")
        if summary:
            try:
                with open(summary, "a", encoding="utf-8") as f:
                    f.write(f"{'PASS' if o.passed else 'FAIL'} {self.name}/{o.name}\n")
            except OSError as exc:
                print(f"gradelib: cannot append to GRADE_SUMMARY_FILE: {exc}", file=sys.stderr)

    def _write_reports(self, opts, got: float, total: float) -> bool:
        """Write the --junit and --results-json files asked for; False if one
        could not be written (the reason goes to stderr)."""
        ok = True
        for path, writer in ((opts.junit, self._write_junit),
                             (opts.results_json,
                              lambda p: self._write_results_json(p, got, total))):
            if not path:
                continue
            try:
                parent = os.path.dirname(os.path.abspath(path))
                os.makedirs(parent, exist_ok=True)
                writer(path)
            except OSError as exc:
                print(f"gradelib: cannot write {path}: {exc}", file=sys.stderr)
                ok = False
        return ok

    def _write_results_json(self, path: str, got: float, total: float) -> None:
        """Gradescope results.json: overall and per-test scores and messages."""
        report = {
            "score": got,
            "max_score": total,
            "execution_time": round(sum(o.seconds for o in self._outcomes), 1),
            "visibility": "visible",
            "stdout_visibility": "visible",
            "output": f"Lab {self.name}: Score {_fmt(got)}/{_fmt(total)}",
            "tests": [{"name": o.name, "score": o.points, "max_score": o.max_points,
                       "status": "passed" if o.passed else "failed",
                       "visibility": o.visibility,
                       "execution_time": round(o.seconds, 1),
                       "output": o.message or "passed"}
                      for o in self._outcomes],
        }
        with open(path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
            f.write("\n")

    def _write_junit(self, path: str) -> None:
        """JUnit XML: one testsuite (the lab), one testcase per test, with a
        failure element for failed tests and the QEMU output in system-out."""
        failures = sum(not o.passed for o in self._outcomes)
        suite = ET.Element("testsuite", name=self.name, tests=str(len(self._outcomes)),
                           failures=str(failures), errors="0",
                           time=f"{sum(o.seconds for o in self._outcomes):.3f}")
        for o in self._outcomes:
            case = ET.SubElement(suite, "testcase", classname=self.name, name=o.name,
                                 time=f"{o.seconds:.3f}")
            if not o.passed:
                failure = ET.SubElement(case, "failure",
                                        message=_xml_safe(o.message.splitlines()[0]))
                failure.text = _xml_safe(o.message)
            ET.SubElement(case, "system-out").text = _xml_safe(o.output)
        ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------------------
# A default Lab for scripts that use the module-level decorator
