#!/usr/bin/env python3
"""Grade a folder of hand-ins: one CSV line per student.

    python3 grade/batch.py DIR LAB [-j N] [-o grades.csv]

Every file of DIR that is an archive (.tar.gz, .tgz, .tar, .zip) or a
folder is one student's submission, named after the file (alice.tar.gz ->
alice). Each is graded by grade/autograde.py (the grader's own tests over
the student's files), N at a time (default: half the CPUs, at least 1).
The CSV (student, score, max_score, passed, tests, failed tests, and the
reason when nothing could be graded: it did not unpack or build) is sorted
by student and holds no times, so a second run gives the same file. Each
student's full report goes to OUTDIR/<student>.txt and results.json next
to it (OUTDIR: grades-LAB/ beside the CSV).
"""
import argparse
import concurrent.futures
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ARCHIVES = (".tar.gz", ".tgz", ".tar", ".zip")
STUDENT_SECONDS = 3600


def student_name(entry):
    for ext in ARCHIVES:
        if entry.endswith(ext):
            return entry[:-len(ext)]
    return entry


def grade_one(path, lab, outdir):
    """Grade one submission; its CSV row."""
    name = student_name(os.path.basename(path))
    results = os.path.join(outdir, f"{name}.json")
    if os.path.exists(results):
        os.remove(results)
    cmd = [sys.executable, os.path.join(HERE, "autograde.py"), path, lab,
           "--results-json", results, "--out-dir", os.path.join(outdir, name)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                           timeout=STUDENT_SECONDS, stdin=subprocess.DEVNULL)
        log = p.stdout + p.stderr
    except subprocess.TimeoutExpired as exc:
        log = f"grading took longer than {STUDENT_SECONDS} s\n{exc.stdout or ''}"
    with open(os.path.join(outdir, f"{name}.txt"), "w") as f:
        f.write(log)
    try:
        with open(results) as f:
            r = json.load(f)
    except (OSError, ValueError):
        return [name, 0, "", 0, 0, "", "no results (see the report)"]
    tests = r.get("tests", [])
    failed = [t["name"] for t in tests if t.get("status") != "passed"]
    score = r.get("score", 0)
    # a reason when nothing could run (it is the same for every test then)
    outputs = {t.get("output", "").splitlines()[0] if t.get("output") else "" for t in tests}
    reason = outputs.pop() if len(failed) == len(tests) and len(outputs) == 1 else ""
    return [name, f"{score:g}", f"{r.get('max_score', 0):g}", len(tests) - len(failed),
            len(tests), " ".join(failed), reason]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("lab")
    ap.add_argument("-j", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    ap.add_argument("-o", "--output", default=None)
    a = ap.parse_args()
    if not os.path.isdir(a.dir):
        print(f"batch: {a.dir} is not a folder")
        return 2
    output = a.output or f"grades-{a.lab}.csv"
    outdir = os.path.join(os.path.dirname(os.path.abspath(output)), f"grades-{a.lab}")
    os.makedirs(outdir, exist_ok=True)
    entries = sorted(e for e in os.listdir(a.dir) if not e.startswith(".") and
                     (os.path.isdir(os.path.join(a.dir, e)) or e.endswith(ARCHIVES)))
    names = [student_name(e) for e in entries]
    if len(set(names)) != len(names):
        print("batch: two submissions have the same student name")
        return 2
    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as pool:
        futures = {pool.submit(grade_one, os.path.join(a.dir, e), a.lab, outdir): e
                   for e in entries}
        for fut in concurrent.futures.as_completed(futures):
            row = fut.result()
            print(f"batch: {row[0]}: {row[1]}/{row[2]}", flush=True)
            rows.append(row)
    rows.sort(key=lambda r: r[0])
    with open(output, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "score", "max_score", "passed", "tests", "failed", "reason"])
        w.writerows(rows)
    print(f"batch: {len(rows)} submissions graded: {output} (reports in {outdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
