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
    ap.add_argument("--tasks", help="only these tasks in the diagram (names, comma-separated)")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="the command to trace")
    opts = ap.parse_args(argv)
    command = " ".join(opts.command).strip()
    if not command:
        print('make trace: say what to trace: make trace CMD="cat /bin/README"')
        return 2
    out = os.path.join(repo_root(), opts.out_dir)
    os.makedirs(out, exist_ok=True)
    q = QemuSession(timeout=opts.timeout)
    log = os.path.join(out, "console.log")
    try:
        q.start(cpus=opts.cpus, disk=os.path.join("build", "fs.img"))
        q.expect(r"^\$ $")
        q.send(f"trace {command}\r")
        q.expect(r"^trace: end")
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
    mtrace.write_outputs(trace, out, tasks=opts.tasks.split(",") if opts.tasks else None)
    print(f"traced `{command}`: {len(trace.events)} events, {len(trace.tasks)} tasks")
    for name in ("trace.json", "trace.svg", "trace.txt", "console.log"):
        print(f"  {os.path.join(opts.out_dir, name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
