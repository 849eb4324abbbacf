#!/usr/bin/env python3
"""make srvfuzz: random and malformed messages to each server
(user/tests/srvfuzz.c), booted as `run=srvfuzz SERVER SEED N`; a run passes
if the server answered them all, gave back what it held (the program
compares its counts before and after) and, after fs and pipe, the disk is
clean (fsck).

    python3 grade/srvfuzz.py [--server S] [--messages N] [--seed S] [--cpus C]

Without --server every server is fuzzed in turn, on one copy of the disk.
make test runs each with 100,000 messages and fixed seeds (--suite). The
output of a failed run is saved in grade-out/srvfuzz/."""
import argparse
import os
import shutil
import sys
import tempfile
import time

from gradelib import QemuSession, TestFailure, fsck, repo_root, save_output

BUILD = os.path.join(repo_root(), "build")
SERVERS = ("mem", "console", "fs", "blk", "pipe", "super")
SUITE_SEEDS = {"mem": 10, "console": 15, "fs": 11, "blk": 12, "pipe": 13, "super": 14}
SUITE_MESSAGES = 100000


def fuzz(server, seed, messages, cpus, disk):
    """One run; returns (ok, message). The console server needs the UART:
    only its run boots without `noconsole`."""
    noconsole = "" if server == "console" else "noconsole "
    q = QemuSession(timeout=60 + messages / 2000)
    try:
        q.start(append=f"{noconsole}run=srvfuzz {server} {seed} {messages}", cpus=cpus,
                disk=disk)
        survived = q.expect(rf"^srvfuzz: {server} survived {messages} messages").group(0)
        q.expect(r"^init: srvfuzz exited with status 0")
        q.expect_not(r"^FAIL|^panic|kernel trap")
        ok, msg = True, survived
    except TestFailure as exc:
        ok, msg = False, f"{exc}\n    output saved to {save_output('srvfuzz', f'{server}-seed{seed}', q.output)}"
    finally:
        q.close()
    if server in ("fs", "pipe"):
        clean, report = fsck(disk)
        ok, msg = ok and clean, f"{msg}; {report}"
    return ok, msg


def runs(servers, seeds, messages, cpus):
    """(name, ok, message) of each run, the fs server's on one copy of the disk."""
    with tempfile.TemporaryDirectory(prefix="mica-srvfuzz-") as tmp:
        disk = os.path.join(tmp, "fs.img")
        shutil.copyfile(os.path.join(BUILD, "fs.img"), disk)
        for server in servers:
            start = time.monotonic()
            ok, msg = fuzz(server, seeds[server], messages, cpus, disk)
            seconds = time.monotonic() - start
            yield (f"srvfuzz/{server} seed={seeds[server]} messages={messages}", ok,
                   f"{msg} ({seconds:.0f} s)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--server", choices=SERVERS, help="one server (default: all)")
    p.add_argument("--messages", type=int, default=1000000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--suite", action="store_true", help="the runs make test makes")
    a = p.parse_args()
    if a.suite:
        servers, seeds, messages = SERVERS, SUITE_SEEDS, SUITE_MESSAGES
    else:
        servers = (a.server,) if a.server else SERVERS
        seeds, messages = {s: a.seed for s in servers}, a.messages
    failed = passed = 0
    for name, ok, msg in runs(servers, seeds, messages, a.cpus):
        print(f"{name}: {'OK' if ok else 'FAIL'}: {msg}", flush=True)
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
