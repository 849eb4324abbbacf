#!/usr/bin/env python3
"""The IPC trace and its tools, end to end in QEMU (make test runs it):

- a known exchange (ipctest's case `traced`: a call and its reply between
  two test tasks, then a page fault resolved by the pager) dumps exactly
  the expected events, in order, which convert to Chrome JSON holding the
  same events and a flow arrow per message, to an SVG that is valid XML
  with one lifeline per task, and to a listing;
- the wait-for graph names a cycle made on purpose by three tasks
  (ipctest's case `deadlock`);
- the console's keys: ^T prints who waits on whom, ^\\ the trace;
- the GDB commands of grade/gdbmica.py against a live system;
- make trace CMD=... writes the three files for a command that reads a file.

Prints one line per check and ends with `N passed, N failed`; the QEMU
output of a failed check is saved in grade-out/trace/."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from gradelib import QemuSession, TestFailure, repo_root
import mtrace

ROOT = repo_root()
PROMPT = r"^\$ $"

# The events of ipctest's case `traced`, as (kind, acting or sending task,
# other task): the dump must hold exactly these for the three tasks.
TRACED_EXCHANGE = [
    ("CALL", "ipctest", "tr-echo"),       # the call ...
    ("BLOCK", "ipctest", "tr-echo"),      # ... the caller waits for the reply
    ("RECV", "ipctest", "tr-echo"),       # the echo server takes it
    ("REPLY", "tr-echo", "ipctest"),
    ("BLOCK", "tr-echo", "kernel"),       # the server waits for anyone again
    ("RECV", "tr-echo", "ipctest"),       # the caller has its answer
    ("SPAWN", "ipctest", "tr-fault"),
    ("BLOCK", "ipctest", "kernel"),       # the pager waits
    ("FAULT", "tr-fault", "ipctest"),     # the child's page fault goes to its pager
    ("RECV", "tr-fault", "ipctest"),
    ("REPLY", "ipctest", "tr-fault"),     # mapped: the child runs on
    ("BLOCK", "ipctest", "kernel"),
    ("EXIT", "tr-fault", "kernel"),
    ("RECV", "kernel", "ipctest"),        # NOTIFY_CHILD_EXIT
]


def exchange_events(trace):
    """The trace's events as TRACED_EXCHANGE writes them."""
    return [(e.kind, e.src_name, e.dst_name) for e in trace.events]


def exchange_problem(trace):
    """What differs between the trace and TRACED_EXCHANGE, or None."""
    got = exchange_events(trace)
    for i, (g, w) in enumerate(zip(got, TRACED_EXCHANGE)):
        if g != w:
            return (f"event {i} of the trace is {' '.join(g)}, expected {' '.join(w)}\n"
                    + mtrace.listing(trace))
    if len(got) != len(TRACED_EXCHANGE):
        return (f"the trace has {len(got)} events, expected {len(TRACED_EXCHANGE)}\n"
                + mtrace.listing(trace))
    return None


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def run(self, name, fn):
        """Run check fn (returning the session output to keep on failure)."""
        out = ""
        try:
            out = fn() or ""
            ok, why = True, ""
        except TestFailure as exc:
            ok, why = False, str(exc)
        except (AssertionError, ValueError, KeyError, ET.ParseError, mtrace.TraceError,
                subprocess.TimeoutExpired) as exc:
            ok, why = False, f"{type(exc).__name__}: {exc}"
        if ok:
            self.passed += 1
            print(f"   {name}: OK")
        else:
            self.failed.append(name)
            print(f"   {name}: FAIL: {why}")
            saved = getattr(self, "last_output", "")
            if saved:
                d = os.path.join(ROOT, "grade-out", "trace")
                os.makedirs(d, exist_ok=True)
                path = os.path.join(d, name.replace("/", "_") + ".out")
                with open(path, "w") as f:
                    f.write(saved)
                print(f"      QEMU output: {path}")
        self.last_output = ""


checks = Checks()


def boot(append=None, cpus=2, disk=None, extra=None, timeout=60):
    q = QemuSession(timeout=timeout)
    q.start(append=append, cpus=cpus, disk=disk, extra_args=extra)
    return q


def keep(q):
    checks.last_output = q.output


def check_scenario(cpus):
    q = boot(append="root=ipctest case=traced", cpus=cpus)
    try:
        q.expect(r"^case traced: PASS")
        q.expect(r"^root task 'ipctest' exited with status 0")
        keep(q)
        t = q.trace()
    finally:
        q.close()
    problem = exchange_problem(t)
    assert problem is None, problem
    call = t.calls(sender="ipctest", receiver="tr-echo")
    assert len(call) == 1 and call[0].reply and call[0].reply.result == 0x10b, \
        f"the call and its reply: {call}"
    # (a) Chrome JSON: the same events, in order, and one flow per message
    doc = json.loads(mtrace.chrome_json(mtrace.chrome_trace(t)))
    evs = doc["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in evs if e["ph"] == "M" and e["name"] == "process_name"}
    for task in ("ipctest", "tr-echo", "tr-fault"):
        assert any(n.startswith(task + " ") for n in names.values()), f"no process {task}: {names}"
    slices = sorted((e for e in evs if e["ph"] == "X" and e["cat"] != "blocked" and e["name"] != "resumed"),
                    key=lambda e: e["ts"])
    kinds = [e["name"].split()[0] for e in slices]
    want = [k for k, _, _ in TRACED_EXCHANGE if k != "BLOCK"]
    assert kinds == want, f"JSON slices {kinds}, want {want}"
    starts = {e["id"]: e for e in evs if e["ph"] == "s"}
    ends = {e["id"]: e for e in evs if e["ph"] == "f"}
    assert starts.keys() == ends.keys() and len(starts) == 5, f"flows {starts.keys()} / {ends.keys()}"
    pid = {v.split()[0]: k for k, v in names.items()}
    flows = sorted((starts[i]["ts"], starts[i]["pid"], ends[i]["pid"]) for i in starts)
    want_flows = [(pid["ipctest"], pid["tr-echo"]), (pid["tr-echo"], pid["ipctest"]),
                  (pid["tr-fault"], pid["ipctest"]), (pid["ipctest"], pid["tr-fault"]),
                  (pid["tr-fault"], pid["ipctest"])]
    assert [f[1:] for f in flows] == want_flows, f"flow arrows {flows}"
    # (b) SVG: valid XML, one lifeline per task
    root = ET.fromstring(mtrace.svg(t))
    assert root.tag.endswith("svg"), root.tag
    texts = " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))
    for task in ("ipctest", "tr-echo", "tr-fault"):
        assert task in texts, f"no lifeline for {task} in the SVG"
    # (c) the listing: one line per event
    lines = [l for l in mtrace.listing(t).splitlines() if re.match(r"^\s+\d+\s", l)]
    assert len(lines) == len(TRACED_EXCHANGE), f"{len(lines)} listing lines"
    return None


def check_panic_dump():
    """A panic prints the trace when it was on (here from boot, boot
    argument `trace`, before the panic self-test)."""
    q = boot(append="trace test=panic", cpus=1)
    try:
        q.expect(r"^panic: ")
        q.expect(r"^trace: begin harts=1 timebase=\d+ events=\d+ lost=0")
        q.expect(r"^trace: end")
        keep(q)
        q.trace()
    finally:
        q.close()


def check_deadlock():
    q = boot(append="root=ipctest case=deadlock")
    try:
        q.expect(r"^case deadlock: PASS")
        keep(q)
        m = re.search(r"^waits: deadlock: (\w+) \(\d+\) -> (\w+) \(\d+\) -> (\w+) \(\d+\) -> (\w+) \(\d+\)\s*$",
                      q.output, re.M)
        assert m, "no 'waits: deadlock:' line naming three tasks"
        cycle = "".join(n[-1] for n in m.groups())
        assert cycle in ("ABCA", "BCAB", "CABC"), f"the cycle {m.group(0)}"
        table = re.findall(r"^  \d+ (dl[ABC]): thread \d+ sending to \d+ \((dl[ABC])\)", q.output, re.M)
        assert sorted(table) == [("dlA", "dlB"), ("dlB", "dlC"), ("dlC", "dlA")], f"table {table}"
        assert re.search(r"^waits: end, 0 cycles", q.output, re.M), "a cycle left after the kill"
    finally:
        q.close()


def check_keys():
    q = boot(disk=private_disk())
    try:
        q.expect(PROMPT)
        q.send("\x14")                       # ^T
        q.expect(r"^waits: end, 0 cycles")
        keep(q)
        for task in ("mem", "init", "console", "blk", "fs", "sh"):
            assert re.search(rf"^\s*\d+ {task}: thread \d+ ", q.output, re.M), f"^T: no {task}"
        assert re.search(r"sh: thread \d+ awaiting reply from \d+ \(console\)", q.output), \
            "^T: the shell should wait for the console"
        q.send("trace on\r")
        q.expect(PROMPT)
        q.send("echo traced\r")
        q.expect(r"^traced$")
        q.expect(PROMPT)
        q.send("\x1c")                       # ^\
        q.expect(r"^trace: end")
        keep(q)
        t = q.trace()
        writes = t.calls(sender="echo", receiver="console", label="CONS_WRITE")
        assert writes and writes[0].reply, f"^\\: no CONS_WRITE of echo answered: {writes}"
    finally:
        q.close()


TMPDIRS = []


def private_disk():
    """A copy of build/fs.img of our own (removed at the end)."""
    d = tempfile.mkdtemp(prefix="mica-trace-")
    TMPDIRS.append(d)
    disk = os.path.join(d, "fs.img")
    shutil.copyfile(os.path.join(ROOT, "build", "fs.img"), disk)
    return disk


def check_gdb():
    gdb = shutil.which("gdb-multiarch") or shutil.which("gdb")
    assert gdb, "no gdb-multiarch"
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    q = boot(disk=private_disk(), extra=["-gdb", f"tcp:127.0.0.1:{port}"])
    try:
        q.expect(PROMPT)
        q.send("trace on\r")
        q.expect(PROMPT)
        q.send("echo hi\r")
        q.expect(PROMPT)
        argv = [gdb, "-q", "-batch", "-nx", "-ex", "set architecture riscv:rv64",
                "-ex", "file build/kernel.elf", "-ex", "source grade/gdbmica.py",
                "-ex", f"target remote 127.0.0.1:{port}", "-ex", "mica-tasks"]
        first = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
        out = first.stdout + first.stderr
        m = re.search(r"^task (\d+) sh alive", out, re.M)
        assert m, f"mica-tasks: no shell:\n{out}"
        for task in ("mem", "init", "console", "blk", "fs"):
            assert re.search(rf"^task \d+ {task} alive", out, re.M), f"mica-tasks: no {task}:\n{out}"
        sh = int(m.group(1))
        argv = argv[:-2] + ["-ex", f"mica-vm {sh}", "-ex", f"mica-regs {sh * 8}",
                            "-ex", "mica-trace 5", "-ex", "mica-waits"]
        second = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
        out = second.stdout + second.stderr
        checks.last_output = out + "\n---- QEMU ----\n" + q.output
        assert re.search(r"^\s+0x0000000000010000-\S+ -> pa 0x[0-9a-f]+\s+r-xu", out, re.M), \
            f"mica-vm: no code mapping at 0x10000:\n{out}"
        assert re.search(r"#\d+ 0x[0-9a-f]+ main\+0x", out), f"mica-regs: no main in the backtrace:\n{out}"
        events = [l for l in out.splitlines() if re.match(r"^\s+\d+\s+\d+\.\d\s+\d ", l)]
        assert len(events) == 5, f"mica-trace 5: {len(events)} events:\n{out}"
        assert "trace_waits: 0 cycle(s)" in out, f"mica-waits:\n{out}"
        q.expect(r"^waits: end, 0 cycles")
    finally:
        q.close()


def check_make_trace():
    out_dir = tempfile.mkdtemp(prefix="mica-trace-out-")
    try:
        p = subprocess.run([sys.executable, "grade/tracerun.py", "--disk", private_disk(),
                            "--out-dir", out_dir, "--", "wc", "/bin/echo"],
                           cwd=ROOT, capture_output=True, text=True, timeout=180)
        checks.last_output = p.stdout + p.stderr
        assert p.returncode == 0, f"tracerun failed:\n{p.stdout}{p.stderr}"
        doc = json.load(open(os.path.join(out_dir, "trace.json")))
        names = {e["args"]["name"].split()[0] for e in doc["traceEvents"]
                 if e["ph"] == "M" and e["name"] == "process_name"}
        assert {"wc", "fs", "blk", "mem"} <= names, f"processes {names}"
        ET.parse(os.path.join(out_dir, "trace.svg"))
        text = open(os.path.join(out_dir, "trace.txt")).read()
        t = mtrace.load(os.path.join(out_dir, "console.log"))
        reads = t.calls(sender="wc", receiver="fs", label="FS_READ")
        assert reads, "no FS_READ from wc to fs"
        blk = [m for r in reads for m in t.nested(r) if m.receiver_name == "blk"]
        assert blk, "no message from fs to blk while serving wc's reads"
        assert "FS_READ" in text and "BLK_READ" in text, "the listing lacks FS_READ or BLK_READ"
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def main():
    print("== trace: the IPC trace, the wait-for graph, the GDB commands")
    checks.run("trace/known_exchange_1_hart", lambda: check_scenario(1))
    checks.run("trace/known_exchange_2_harts", lambda: check_scenario(2))
    checks.run("trace/panic_prints_the_trace", check_panic_dump)
    checks.run("trace/deadlock_cycle_named", check_deadlock)
    checks.run("trace/console_keys", check_keys)
    checks.run("trace/gdb_commands", check_gdb)
    checks.run("trace/make_trace", check_make_trace)
    for d in TMPDIRS:
        shutil.rmtree(d, ignore_errors=True)
    print(f"{checks.passed} passed, {len(checks.failed)} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
