#!/usr/bin/env python3
"""Host self-test of gradelib against a fake QEMU.

Builds a throwaway repository whose Makefile's print-qemu target prints a
command running fake_qemu.py, then checks gradelib both in-process
(QemuSession) and through grade scripts run as subprocesses (Lab.run).
Prints one line per check and `N passed, N failed` last; exits 1 if any
check failed.  Usage: python3 grade/selftest_gradelib.py
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
for var in ("GRADE_TIMEOUT_SCALE", "QEMUEXTRA", "GRADE_SUMMARY_FILE", "MICA_ROOT"):
    os.environ.pop(var, None)

import gradelib  # noqa: E402  (needs the path set above)

# The fake QEMU.  Its argv is pairs: -smp N -kernel K -drive D [-append MODE].
# It prints a banner with \r\n line ends, then behaves according to MODE.
FAKE_QEMU = r'''
import os, subprocess, sys, time

opts = dict(zip(sys.argv[1::2], sys.argv[2::2]))
mode, _, token = opts.get("-append", "").partition(" token=")   # gradelib's token
out = sys.stdout

def say(text):
    out.write(text)
    out.flush()

say("Mica 0.1 booting\r\n")
say(f"harts: {opts['-smp']}\r\n")
say(f"kernel: {opts['-kernel']}\r\n")
say(f"drive: {opts['-drive']}\r\n")
if mode == "exit3":
    say("bye \x1b[0m\n")
    sys.exit(3)
elif mode == "hang":
    time.sleep(1000)
elif mode in ("pass", "forged"):
    say(f"case x: PASS [token {token}]\n" if mode == "pass" else "case x: PASS\n")
    time.sleep(1000)
elif mode == "flood":
    line = "x" * 1023 + "\n"
    for _ in range(4096):          # 4 MiB, then a last line
        out.write(line)
    say("last line\n")
    time.sleep(1000)
elif mode == "split":
    say("count: 1")
    time.sleep(0.03)
    say("6\n")
    time.sleep(1000)
elif mode == "write":
    disk = opts["-drive"].split(",")[0].removeprefix("file=")
    with open(disk, "a") as f:
        f.write("dirty")
    say("wrote\n")
    time.sleep(1000)
elif mode == "spawn":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)"])
    say(f"pids: {os.getpid()} {child.pid}\n")
    time.sleep(1000)
else:
    say("init: ready\n$ ")
    for line in sys.stdin:
        line = line.strip()
        say(f"got: {line}\n")
        if line == "exit":
            sys.exit(0)
        say("$ ")
'''

MAKEFILE = """\
CPUS ?= 2
print-qemu:
\t@echo {python} fake_qemu.py -smp $(CPUS) -kernel build/kernel.elf -drive file=build/fs.img,format=raw
"""

DISK = "pristine disk image\n"

# A grade script exercising passing and failing tests of every kind.
GRADE_SCRIPT = """\
import time
from gradelib import Lab, assert_eq

lab = Lab("fake")

@lab.test(10, "boots")
def _(q):
    m = q.expect(r"harts: (\\d+)")
    assert_eq(m.group(1), "2", "hart count")

@lab.test(5, "one_cpu_exits", cpus=1, append="exit3")
def _(q):
    q.expect(r"harts: 1")
    assert_eq(q.expect_exit(), 3, "exit status")

@lab.test(5, "times_out", timeout=0.5)
def _(q):
    q.expect(r"no such line")

@lab.test(3, "buggy", boot=False)
def _(q):
    {}["missing"]

@lab.test(2, "overruns", timeout=0.2, boot=False)
def _(q):
    time.sleep(3)

lab.run()
"""

# A grade script whose programs print PASS lines with and without the token.
TOKEN_SCRIPT = """\
from gradelib import Lab

lab = Lab("tok")

@lab.test(1, "with_token", append="pass")
def _(q):
    q.expect(r"^case x: PASS")

@lab.test(1, "forged", append="forged")
def _(q):
    q.expect(r"^case x: PASS")

lab.run()
"""

# A grade script that records its QEMU's pids, then waits to be killed.
SIGNAL_SCRIPT = """\
import os
from gradelib import Lab

lab = Lab("sig")

@lab.test(1, "waits", append="spawn")
def _(q):
    m = q.expect(r"pids: (\\d+) (\\d+)")
    with open(os.environ["PID_FILE"] + ".tmp", "w") as f:
        f.write(m.group(1) + " " + m.group(2))
    os.rename(os.environ["PID_FILE"] + ".tmp", os.environ["PID_FILE"])
    q.expect(r"never", timeout=60)

lab.run()
"""

CHECKS = []


def check(fn):
    """Register a check: fn(root) raises AssertionError (or anything) to fail."""
    CHECKS.append(fn)
    return fn


def make_fake_repo(parent, with_print_qemu=True):
    """Create a fake repository under parent and return its path."""
    root = os.path.join(parent, "repo" if with_print_qemu else "broken-repo")
    os.makedirs(os.path.join(root, "build"))
    with open(os.path.join(root, "fake_qemu.py"), "w") as f:
        f.write(FAKE_QEMU)
    with open(os.path.join(root, "build", "kernel.elf"), "w") as f:
        f.write("not really an ELF\n")
    with open(os.path.join(root, "build", "fs.img"), "w") as f:
        f.write(DISK)
    with open(os.path.join(root, "Makefile"), "w") as f:
        if with_print_qemu:
            f.write(MAKEFILE.format(python=sys.executable))
        else:
            f.write("all:\n\t@true\n")
    return root


@contextlib.contextmanager
def session(append=None, timeout=2):
    """A started QemuSession on the fake repo, closed afterwards."""
    q = gradelib.QemuSession(timeout=timeout)
    try:
        q.start(append=append)
        yield q
    finally:
        q.close()


def expect_failure(fn, *args, **kwargs):
    """Call fn and return the TestFailure message it must raise."""
    try:
        fn(*args, **kwargs)
    except gradelib.TestFailure as exc:
        return str(exc)
    raise AssertionError(f"{fn.__name__} did not raise TestFailure")


def alive(pid):
    """True if pid names a process that is neither gone nor a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def all_dead(pids, within=3.0):
    """Wait up to `within` seconds for every pid to die; report whether they did."""
    deadline = time.monotonic() + within
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def run_script(root, script, *args, env=None, cwd=None):
    """Run a grade script (text) with gradelib importable and MICA_ROOT=root."""
    path = os.path.join(cwd, "grade-test.py")
    with open(path, "w") as f:
        f.write(script)
    full_env = dict(os.environ, MICA_ROOT=root, PYTHONPATH=HERE, **(env or {}))
    return subprocess.run([sys.executable, path, *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=30)


# -- QemuSession checks -------------------------------------------------------

@check
def expect_matches_and_consumes(root):
    with session() as q:
        m = q.expect(r"harts: (\d+)")
        assert m.group(1) == "2", m.group(0)
        q.expect(r"^\$ $")                  # an incomplete last line (prompt)
        q.send("hello\n")
        assert q.expect(r"got: (\w+)").group(1) == "hello"
        msg = expect_failure(q.expect, r"harts", timeout=0.2)
        assert "expected /harts/" in msg, msg


@check
def output_is_capped(root):
    with session(append="flood") as q:
        q.expect(r"^\[gradelib: QEMU printed more than \d+ KiB: the rest is dropped\]$", timeout=20)
        assert len(q.output) < gradelib.OUTPUT_CAP + 4096, len(q.output)
        msg = expect_failure(q.expect, r"^last line$", timeout=0.5)
        assert "last line" not in q.output, "output past the cap was kept"


@check
def expect_timeout_message(root):
    with session(append="hang") as q:
        start = time.monotonic()
        msg = expect_failure(q.expect, r"nope", timeout=0.3)
        took = time.monotonic() - start
        assert msg.startswith("expected /nope/ within 0.3s; QEMU still running\n"), msg
        assert "| harts: 2" in msg, msg
        assert 0.3 <= took < 2, took


@check
def expect_fails_fast_when_qemu_exits(root):
    with session(append="exit3", timeout=10) as q:
        start = time.monotonic()
        msg = expect_failure(q.expect, r"never")
        assert time.monotonic() - start < 3, "waited for the whole timeout"
        assert "within 10s; QEMU exited with status 3" in msg, msg
        assert q.expect_exit() == 3


@check
def expect_seq_in_order(root):
    with session() as q:
        q.expect_seq([r"booting", r"harts", r"kernel"])
    with session() as q:
        msg = expect_failure(q.expect_seq, [r"harts", r"booting"], timeout=0.3)
        assert msg.startswith("expected /booting/ (step 2 of 2) within 0.3s"), msg


@check
def expect_not_sees_whole_output(root):
    with session() as q:
        q.expect(r"init: ready")
        q.expect_not(r"panic")
        msg = expect_failure(q.expect_not, r"harts")
        assert "'harts: 2'" in msg, msg


@check
def expect_exit_times_out(root):
    with session(append="hang") as q:
        msg = expect_failure(q.expect_exit, timeout=0.2)
        assert msg.startswith("expected QEMU to exit within 0.2s; QEMU still running"), msg


@check
def line_endings_normalised(root):
    with session(append="exit3") as q:
        q.expect_exit()
        assert "\r" not in q.output, repr(q.output)
        assert q.lines()[:2] == ["Mica 0.1 booting", "harts: 2"], q.lines()


@check
def incomplete_line_waits_to_settle(root):
    with session(append="split") as q:
        assert q.expect(r"count: (\d+)").group(1) == "16"


@check
def build_files_are_private_copies(root):
    with session(append="write") as q:
        q.expect(r"wrote")
        kernel = re.search(r"kernel: (.*)", q.output).group(1)
        drive = re.search(r"drive: file=([^,]*),format=raw", q.output).group(1)
    build = os.path.join(root, "build")
    for path in (kernel, drive):
        assert not os.path.abspath(path).startswith(build), path
        assert not os.path.exists(path), f"copy {path} not removed"
    with open(os.path.join(build, "fs.img")) as f:
        assert f.read() == DISK, "build/fs.img was modified"


@check
def close_kills_process_group(root):
    with session(append="spawn") as q:
        m = q.expect(r"pids: (\d+) (\d+)")
        pids = [int(m.group(1)), int(m.group(2))]
        assert all(alive(p) for p in pids), "fake QEMU or its child not running"
    assert all_dead(pids), f"survivors among {pids}"


@check
def send_and_expect_need_start(root):
    q = gradelib.QemuSession()
    msg = expect_failure(q.expect, r"x")
    assert "call q.start() first" in msg, msg
    q.close()
    msg = expect_failure(q.start)
    assert "closed" in msg, msg


# -- Lab.run checks (grade scripts as subprocesses) ---------------------------

@check
def pass_lines_need_the_token(root):
    with tempfile.TemporaryDirectory() as tmp:
        res = run_script(root, TOKEN_SCRIPT, "--out-dir", os.path.join(tmp, "out"), cwd=tmp)
        text = res.stdout + res.stderr
        assert re.search(r"^with_token: OK", res.stdout, re.M), text
        assert re.search(r"^forged: FAIL", res.stdout, re.M), text
        assert "a PASS line without this run's token" in res.stdout, text
        assert res.stdout.splitlines()[-1] == "Score: 1/2", text


@check
def grade_script_reports(root):
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = os.path.join(tmp, "out")
        junit, results, summary = (os.path.join(tmp, n) for n in ("j.xml", "r.json", "sum"))
        res = run_script(root, GRADE_SCRIPT, "--junit", junit, "--results-json", results,
                         "--out-dir", out_dir, env={"GRADE_SUMMARY_FILE": summary}, cwd=tmp)
        text = res.stdout + res.stderr
        assert res.returncode == 1, (res.returncode, text)
        assert "Traceback" not in text, text
        for want in (r"^boots: OK \(\d+\.\ds\)$", r"^one_cpu_exits: OK ",
                     r"^times_out: FAIL \(", r"^    expected /no such line/ within 0\.5s",
                     r"^buggy: FAIL ", r"^    KeyError: 'missing' \(at grade-test\.py:\d+",
                     r"^overruns: FAIL ", r"overall deadline of 0\.8s"):
            assert re.search(want, res.stdout, re.M), f"no /{want}/ in:\n{text}"
        assert res.stdout.splitlines()[-1] == "Score: 15/25", text

        with open(os.path.join(out_dir, "times_out.out")) as f:
            saved = f.read()
        assert saved.startswith("FAIL fake/times_out\nexpected /no such line/"), saved
        assert "harts: 2\n" in saved, saved
        assert f"output saved to {os.path.join(out_dir, 'times_out.out')}" in res.stdout
        assert not os.path.exists(os.path.join(out_dir, "boots.out"))

        with open(results) as f:
            report = json.load(f)
        assert (report["score"], report["max_score"]) == (15, 25), report
        statuses = [(t["name"], t["status"], t["score"]) for t in report["tests"]]
        assert statuses == [("boots", "passed", 10), ("one_cpu_exits", "passed", 5),
                            ("times_out", "failed", 0), ("buggy", "failed", 0),
                            ("overruns", "failed", 0)], statuses

        suite = ET.parse(junit).getroot()
        assert (suite.tag, suite.get("name"), suite.get("failures")) == ("testsuite", "fake", "3")
        cases = suite.findall("testcase")
        assert [c.get("classname") for c in cases] == ["fake"] * 5
        assert [c.find("failure") is not None for c in cases] == [False, False, True, True, True]
        assert "\\x1b[0m" in cases[1].find("system-out").text   # escaped control character

        with open(summary) as f:
            assert f.read().split("\n") == ["PASS fake/boots", "PASS fake/one_cpu_exits",
                                            "FAIL fake/times_out", "FAIL fake/buggy",
                                            "FAIL fake/overruns", ""]


@check
def grade_script_filters(root):
    with tempfile.TemporaryDirectory() as tmp:
        res = run_script(root, GRADE_SCRIPT, "boot", "--out-dir", tmp, cwd=tmp)
        assert res.returncode == 0, res.stdout + res.stderr
        lines = res.stdout.splitlines()
        assert len(lines) == 2 and lines[0].startswith("boots: OK"), lines
        assert lines[1] == "Score: 10/10", lines
        res = run_script(root, GRADE_SCRIPT, "nonexistent", cwd=tmp)
        assert res.returncode == 2 and "no test" in res.stderr, res.stderr


@check
def print_qemu_failure_fails_every_test(root):
    with tempfile.TemporaryDirectory() as tmp:
        broken = make_fake_repo(tmp, with_print_qemu=False)
        res = run_script(broken, GRADE_SCRIPT, "--out-dir", tmp, cwd=tmp)
        text = res.stdout + res.stderr
        assert res.returncode == 1 and "Traceback" not in text, text
        assert res.stdout.count(": FAIL (") == 5, text
        assert res.stdout.count("cannot get the QEMU command: `make -s print-qemu`") == 5, text
        assert res.stdout.splitlines()[-1] == "Score: 0/25", text


@check
def sigterm_kills_qemu(root):
    with tempfile.TemporaryDirectory() as tmp:
        pid_file = os.path.join(tmp, "pids")
        script = os.path.join(tmp, "grade-sig.py")
        with open(script, "w") as f:
            f.write(SIGNAL_SCRIPT)
        env = dict(os.environ, MICA_ROOT=root, PYTHONPATH=HERE, PID_FILE=pid_file)
        grader = subprocess.Popen([sys.executable, script, "--out-dir", tmp], cwd=tmp, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 10
            while not os.path.exists(pid_file):
                assert time.monotonic() < deadline and grader.poll() is None, "no pid file"
                time.sleep(0.05)
            with open(pid_file) as f:
                pids = [int(p) for p in f.read().split()]
            grader.send_signal(signal.SIGTERM)
            output = grader.communicate(timeout=10)[0]
        finally:
            grader.kill()
            grader.wait()
        assert grader.returncode == 143, (grader.returncode, output)
        assert all_dead(pids), f"survivors among {pids}"


def main():
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = make_fake_repo(tmp)
        gradelib.ROOT = root
        for fn in CHECKS:
            start = time.monotonic()
            try:
                fn(root)
            except Exception:
                failed += 1
                print(f"FAIL {fn.__name__}")
                print(textwrap.indent(traceback.format_exc(), "    "))
            else:
                passed += 1
                print(f"ok   {fn.__name__} ({time.monotonic() - start:.1f}s)")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
