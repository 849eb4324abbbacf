#!/usr/bin/env python3
"""make fuzz: boot the system call fuzzer (user/tests/fuzz.c) as the root
task and check that the kernel survives it: no panic, no hang, and every
kernel page and frame back at the end.

    python3 grade/fuzz.py [--seed S] [--calls N] [--cpus C]

make test runs the default (20,000 calls) on 1, 2 and 4 harts with fixed
seeds (--suite). The output of a failed run is saved in grade-out/fuzz/."""
import argparse
import sys

from gradelib import QemuSession, TestFailure, save_output

SUITE = ((1, 1), (2, 2), (4, 3))   # (harts, seed)


def fuzz(seed, calls, cpus):
    """One run; returns (ok, message)."""
    q = QemuSession(timeout=60 + calls / 2000)
    try:
        q.start(append=f"root=fuzz seed={seed} calls={calls}", cpus=cpus)
        q.expect(rf"^fuzz: seed {seed}, {calls} calls")
        q.expect(r"^fuzz: \d+ calls, \d+ workers started")
        q.expect(r"^case fuzz: PASS")
        q.expect(r"^root task 'fuzz' exited with status 0")
        q.expect_not(r"^FAIL|^panic|kernel trap")
        return True, next(l for l in q.lines() if l.startswith("fuzz: no panic"))
    except TestFailure as exc:
        path = save_output("fuzz", f"seed{seed}-cpus{cpus}", q.output)
        return False, f"{exc}\n    output saved to {path}"
    finally:
        q.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--calls", type=int, default=20000)
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--suite", action="store_true", help="the runs make test makes")
    a = p.parse_args()
    runs = [(c, s, a.calls) for c, s in SUITE] if a.suite else [(a.cpus, a.seed, a.calls)]
    failed = 0
    for cpus, seed, calls in runs:
        ok, msg = fuzz(seed, calls, cpus)
        failed += not ok
        print(f"fuzz seed={seed} calls={calls} cpus={cpus}: {'OK' if ok else 'FAIL'}: {msg}")
    print(f"{len(runs) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
