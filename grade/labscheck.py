#!/usr/bin/env python3
"""make labs-check: the lab integrity rule, for every lab.

For every lab N it writes N's starting tree (labs/mklab.py) and checks that
the tree builds without warnings and boots, that every lab before N gets a
full grade on it, and that every test of lab N fails on it (a test that
passes on its own lab's starting tree tests nothing of that lab); and that
the reference tree (this one) gets a full grade in every lab. Prints a
table and `N passed, N failed`; exits 1 on any violation.

    python3 grade/labscheck.py [--no-reference] [LAB...]
                              (default: every lab with a grader; --no-reference:
                              skip grading the reference tree, which make test
                              does on its own)
"""
import multiprocessing
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "labs"))
sys.path.insert(0, HERE)
from mklab import LABS   # noqa: E402
from gradelib import QemuSession, TestFailure   # noqa: E402


def graded_labs():
    return [l for l in LABS if os.path.exists(os.path.join(HERE, f"grade-{l}.py"))]


def grade_results(tree, lab, echo=False, flags=()):
    """This tree's grader for lab (with command-line flags), run against
    `tree` (its output shown if echo): [(passed, test name)]."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as summary:
        env = dict(os.environ, GRADE_SUMMARY_FILE=summary.name, MICA_ROOT=tree)
        p = subprocess.run([sys.executable, os.path.join(HERE, f"grade-{lab}.py"), *flags], cwd=tree,
                           env=env, capture_output=True, text=True)
        if echo:
            sys.stdout.write(p.stdout + p.stderr)
            sys.stdout.flush()
        lines = [l.split(" ", 1) for l in summary.read().split("\n") if l.strip()]
    return [(verdict == "PASS", name) for verdict, name in lines]


def boots(tree):
    """Does the tree's kernel start and print its banner?"""
    old = os.environ.get("MICA_ROOT")
    os.environ["MICA_ROOT"] = tree
    q = QemuSession(timeout=20)
    try:
        q.start()
        q.expect(r"^Mica \S+ booting on hart")
        return True
    except TestFailure:
        return False
    finally:
        q.close()
        if old is None:
            os.environ.pop("MICA_ROOT", None)
        else:
            os.environ["MICA_ROOT"] = old


def check_lab(lab, labs, problems):
    """One row of the table: (builds, boots, earlier labs full, own tests all fail)."""
    n = labs.index(lab)
    with tempfile.TemporaryDirectory(prefix=f"mica-lab-{lab}-") as tree:
        gen = subprocess.run([sys.executable, os.path.join(ROOT, "labs", "mklab.py"), lab, tree],
                             capture_output=True, text=True)
        build = subprocess.run(["make", "-s", "all"], cwd=tree, capture_output=True, text=True)
        built = gen.returncode == 0 and build.returncode == 0
        if not built:
            problems.append(f"{lab}: the starting tree does not build:\n" +
                            (gen.stdout + build.stdout + build.stderr)[-2000:])
            return False, False, False, False
        booted = boots(tree)
        if not booted:
            problems.append(f"{lab}: the starting tree does not boot (no banner)")
        earlier_ok = True
        for earlier in labs[:n]:
            bad = [name for ok, name in grade_results(tree, earlier) if not ok]
            if bad:
                earlier_ok = False
                problems.append(f"{lab} tree: lab {earlier} does not pass in full: "
                                + ", ".join(bad))
        own = grade_results(tree, lab)
        passing = [name for ok, name in own if ok]
        if passing or not own:
            problems.append(f"{lab} tree: tests of lab {lab} pass on its starting tree: "
                            + (", ".join(passing) or "(no tests ran)"))
        return True, booted, earlier_ok, bool(own) and not passing


def check_row(lab, labs, reference):
    """Lab lab's row of the table, and the problems found (in a worker)."""
    print(f"labs-check: lab {lab} ...", flush=True)
    problems = []
    builds, booted, earlier, own_fail = check_lab(lab, labs, problems)
    ref = grade_results(ROOT, lab) if reference else None
    ref_ok = ref is None or (bool(ref) and all(ok for ok, _ in ref))
    if not ref_ok:
        problems.append(f"reference: lab {lab} not full: " +
                        ", ".join(name for ok, name in ref if not ok))
    return (lab, builds, booted, earlier, own_fail, ref_ok), problems


def main():
    labs = graded_labs()
    args = sys.argv[1:]
    reference = "--no-reference" not in args
    chosen = [a for a in args if a != "--no-reference"] or labs
    for lab in chosen:
        if lab not in labs:
            print(f"labs-check: no lab '{lab}' with a grader (labs: {', '.join(labs)})")
            return 2
    # The labs are independent: check them in parallel, one QEMU at a time
    # per worker (LABS_CHECK_JOBS, default 2: a QEMU mostly keeps one core
    # busy), the later labs first, since they grade the most earlier labs.
    jobs = max(1, int(os.environ.get("LABS_CHECK_JOBS", "2")))
    order = sorted(chosen, key=labs.index, reverse=True)
    with multiprocessing.Pool(min(jobs, len(order))) as pool:
        done = dict(zip(order, pool.starmap(check_row, [(lab, labs, reference) for lab in order],
                                            chunksize=1)))
    rows = [done[lab][0] for lab in chosen]
    problems = [p for lab in chosen for p in done[lab][1]]
    yes = {True: "yes", False: "NO"}
    print(f"\n{'lab':<10}{'builds':<8}{'boots':<7}{'earlier labs':<14}{'own tests fail':<16}"
          f"reference")
    for lab, builds, booted, earlier, own_fail, ref_ok in rows:
        earlier_s = "full" if earlier else "NOT FULL"
        if lab == labs[0]:
            earlier_s = "(none)"
        print(f"{lab:<10}{yes[builds]:<8}{yes[booted]:<7}{earlier_s:<14}"
              f"{('all' if own_fail else 'NOT ALL'):<16}"
              f"{('full' if ref_ok else 'NOT FULL') if reference else '(not run)'}")
    for p in problems:
        print("labs-check: " + p.replace("\n", "\n    "))
    passed = sum(all(r[1:]) for r in rows)
    print(f"{passed} passed, {len(rows) - passed} failed")
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
