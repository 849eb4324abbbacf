#!/usr/bin/env python3
"""make trace CMD="...": boot Mica on the disk build/fs.img, run the command
under the kernel's IPC trace from the shell (`trace CMD`), and turn the
dump into trace-out/trace.json (open it in ui.perfetto.dev or
chrome://tracing), trace-out/trace.svg (a sequence diagram) and
trace-out/trace.txt (a listing). trace-out/console.log keeps what QEMU
printed. docs/debugging.md shows what to do with them."""
import argparse
import os
import sys

from gradelib import QemuSession, TestFailure, repo_root
import mtrace


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--out-dir", default="trace-out")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--disk", default=os.path.join("build", "fs.img"),
                    help="the disk to boot on, used in place (default: the one make qemu uses)")
    ap.add_argument("--tasks", help="only these tasks in the diagram (names, comma-separated)")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="the command to trace")
    opts = ap.parse_args(argv)
    words = opts.command[1:] if opts.command[:1] == ["--"] else opts.command
    command = " ".join(words).strip()
    if not command:
        print('make trace: say what to trace: make trace CMD="wc /bin/echo"')
        return 2
    out = os.path.join(repo_root(), opts.out_dir)   # (an absolute out-dir stays as it is)
    os.makedirs(out, exist_ok=True)
    q = QemuSession(timeout=opts.timeout)
    log = os.path.join(out, "console.log")
    try:
        q.start(cpus=opts.cpus, disk=opts.disk)
        q.expect(r"^\$ $")
        q.send(f"trace {command}\r")
        m = q.expect(r"^trace: (end|.+: .+)$")   # the dump's end, or trace's error
        if m.group(1) != "end":
            print(f"make trace: {m.group(0).strip()}")
            return 1
        q.expect(r"^\$ $")
    except TestFailure as exc:
        print(f"make trace: the traced run failed: {exc}")
        return 1
    finally:
        with open(log, "w") as f:
            f.write(q.output)
        q.close()
    try:
        trace = mtrace.load(q.output)
    except mtrace.TraceError as exc:
        print(f"make trace: {exc} (QEMU's output is in {log})")
        return 1
    tasks = [s.strip() for s in opts.tasks.split(",")] if opts.tasks else None
    with open(os.path.join(out, "trace.json"), "w") as f:
        f.write(mtrace.chrome_json(mtrace.chrome_trace(trace, tasks=tasks)))
    with open(os.path.join(out, "trace.svg"), "w") as f:
        f.write(mtrace.svg(trace, tasks=tasks))
    with open(os.path.join(out, "trace.txt"), "w") as f:
        f.write(mtrace.listing(trace, tasks=tasks))
    print(f"traced `{command}`: {len(trace.events)} events, {len(trace.tasks)} tasks")
    for name in ("trace.json", "trace.svg", "trace.txt", "console.log"):
        print(f"  {os.path.join(opts.out_dir, name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
