#!/usr/bin/env python3
"""make restarttest: servers crashed and killed again and again under a
client's load (user/tests/restarttest.c), the supervisor (init) starting
them each time; then faults injected at random until the supervisor gives
up on the server.

    python3 grade/restarttest.py [--rounds N] [--cpus C]

make test runs 50 rounds (25 crashes, 25 kills) for each of the console
and file system servers. The disk is a copy, checked with fsck afterwards.
The output of a failed run is saved in grade-out/restart/."""
import argparse
import os
import shutil
import sys
import tempfile

from gradelib import QemuSession, TestFailure, fsck, repo_root, save_output

BUILD = os.path.join(repo_root(), "build")


def boot(name, append, cpus, disk, expect, timeout):
    """Boot with `append`, expect the lines of `expect` in order and a clean
    end. Returns (ok, the summary line or what went wrong)."""
    q = QemuSession(timeout=timeout)
    try:
        q.start(append=append, cpus=cpus, disk=disk)
        summary = None
        for regex in expect:
            m = q.expect(regex)
            summary = summary or m.group(0)
        q.expect(r"^init: restarttest exited with status 0")
        q.expect_not(r"^FAIL|^panic|kernel trap")
        return True, summary
    except TestFailure as exc:
        return False, f"{exc}\n    output saved to {save_output('restart', name, q.output)}"
    finally:
        q.close()


def runs(rounds, cpus):
    """(name, ok, message) of each run."""
    timeout = 60 + rounds * 2
    with tempfile.TemporaryDirectory(prefix="mica-restart-") as tmp:
        disk = os.path.join(tmp, "fs.img")
        shutil.copyfile(os.path.join(BUILD, "fs.img"), disk)
        for server in ("console", "fs"):
            ok, msg = boot(server, f"run=restarttest {server} {rounds}", cpus, disk,
                           [rf"^restarttest: {server}: {rounds} recoveries.*",
                            rf"^restarttest: {server} OK"], timeout)
            if server == "fs":
                clean, report = fsck(disk)
                ok, msg = ok and clean, msg if clean else f"{msg}; {report}"
            yield f"{server}_restarted_{rounds}_times", ok, msg
        ok, msg = boot("giveup", "inject=fs:3 run=restarttest giveup", cpus, disk,
                       [r"^init: fs server died 5 times within 10 s: giving up on it",
                        r"^restarttest: giveup: .*", r"^restarttest: giveup OK"], 120)
        yield "fs_given_up_after_5_quick_deaths", ok, msg


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=50)
    p.add_argument("--cpus", type=int, default=2)
    a = p.parse_args()
    failed = passed = 0
    for name, ok, msg in runs(a.rounds, a.cpus):
        print(f"restart/{name}: {'OK' if ok else 'FAIL'}: {msg}")
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
