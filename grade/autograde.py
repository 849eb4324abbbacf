#!/usr/bin/env python3
"""Grade a submission archive (from `make handin`) the way an autograder
does: unpack it into a fresh directory, build it, and run this tree's own
grade script for the lab against it (a submission cannot change how it is
graded). A submission that does not unpack or build gets zero points and
the reason, in the same report formats as a normal grade run.

usage: autograde.py ARCHIVE LAB [--results-json FILE] [--junit FILE]
"""
import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))


def unpack(archive, dest):
    """Extract archive into dest, refusing members that would land outside."""
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            path = os.path.realpath(os.path.join(dest, member.name))
            if not path.startswith(os.path.realpath(dest) + os.sep) or member.issym() or member.islnk():
                raise ValueError(f"unsafe path in archive: {member.name}")
        tar.extractall(dest)


def zero_report(lab, reason, args):
    """Reports for a submission that could not be graded at all."""
    print(f"{lab}/submission: FAIL\n    {reason}\nScore: 0/0")
    if args.results_json:
        with open(args.results_json, "w") as f:
            json.dump({"score": 0, "output": reason,
                       "tests": [{"name": "submission builds", "score": 0, "max_score": 0,
                                  "status": "failed", "output": reason}]}, f, indent=2)
    if args.junit:
        suite = ET.Element("testsuite", name=lab, tests="1", failures="1")
        case = ET.SubElement(suite, "testcase", classname=lab, name="submission_builds")
        ET.SubElement(case, "failure", message="submission could not be graded").text = reason
        ET.ElementTree(suite).write(args.junit, encoding="unicode")
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archive")
    ap.add_argument("lab")
    ap.add_argument("--results-json")
    ap.add_argument("--junit")
    args = ap.parse_args()
    script = os.path.join(HERE, f"grade-{args.lab}.py")
    if not os.path.exists(script):
        print(f"autograde: no grade script for lab '{args.lab}'")
        return 2
    with tempfile.TemporaryDirectory(prefix="mica-submission-") as work:
        try:
            unpack(args.archive, work)
        except (OSError, tarfile.TarError, ValueError) as exc:
            return zero_report(args.lab, f"the archive could not be unpacked: {exc}", args)
        build = subprocess.run(["make", "-s", "all"], cwd=work, capture_output=True, text=True)
        if build.returncode != 0:
            tail = "\n".join((build.stdout + build.stderr).strip().splitlines()[-30:])
            return zero_report(args.lab, f"the submission does not build:\n{tail}", args)
        flags = []
        if args.results_json:
            flags += ["--results-json", os.path.abspath(args.results_json)]
        if args.junit:
            flags += ["--junit", os.path.abspath(args.junit)]
        env = dict(os.environ, MICA_ROOT=work)
        return subprocess.run([sys.executable, script] + flags, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
