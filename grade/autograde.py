#!/usr/bin/env python3
"""Grade a submission the way an autograder must: the grader decides, not
the submission.

The grading tree is built from the grader's own copy of Mica (the tree this
script is in): the starting tree of the lab (labs/mklab.py), with the
submission's version of each file where students write laid over it. Those
files are the ones holding solution regions (`LAB x BEGIN`) of this lab or
an earlier one; everything else (the grade scripts, the test programs and
their library, the Makefile, the QEMU command line) is the grader's. The
build has a time limit. A submission that does not unpack or build scores
zero of the lab's real total, each test failed with the reason, in the
same report formats as a normal grade run.

usage: autograde.py SUBMISSION LAB [--results-json FILE] [--junit FILE] [--out-dir DIR]

A failed test's QEMU output is kept in DIR (default grade-out/LAB where
this runs), not in the grading tree, which is deleted at the end.

SUBMISSION is a `make handin` archive (.tar.gz, .tgz, .tar, .zip; a tree
packed from inside, `tar czf x.tgz -C dir .`, or with one top folder, is
fine) or a directory. Paths that would land outside, and links, are refused.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "labs"))
from mklab import LABS, MARKED, MARK, tracked_files   # noqa: E402

BUILD_SECONDS = 300
ARCHIVE_MAX = 64 << 20          # bytes unpacked, in all


def member_path(name):
    """A member's path inside the tree, or None for the tree itself ("./")."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or name.startswith("/"):
        raise ValueError(f"unsafe path in the archive: {name}")
    return "/".join(parts) or None


def unpack(archive, dest):
    """Extract archive into dest: regular files and folders only."""
    total = 0
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                path = member_path(info.filename)
                if path is None or info.is_dir():
                    continue
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise ValueError(f"a link in the archive: {info.filename}")
                total += info.file_size
                if total > ARCHIVE_MAX:
                    raise ValueError("the archive unpacks to more than 64 MiB")
                os.makedirs(os.path.dirname(os.path.join(dest, path)) or dest, exist_ok=True)
                with z.open(info) as src, open(os.path.join(dest, path), "wb") as out:
                    shutil.copyfileobj(src, out)
        return
    with tarfile.open(archive) as tar:
        for m in tar.getmembers():
            path = member_path(m.name)
            if path is None or m.isdir():
                continue
            if not m.isfile():
                raise ValueError(f"not a regular file in the archive: {m.name}")
            total += m.size
            if total > ARCHIVE_MAX:
                raise ValueError("the archive unpacks to more than 64 MiB")
            target = os.path.join(dest, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with tar.extractfile(m) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


def tree_top(d):
    """The submission's top: d, or its one folder if that is all it holds."""
    entries = [e for e in os.listdir(d) if not e.startswith(".")]
    if len(entries) == 1 and os.path.isdir(os.path.join(d, entries[0])) and \
            not os.path.exists(os.path.join(d, "Makefile")):
        return os.path.join(d, entries[0])
    return d


def student_files(lab):
    """The files where a student of `lab` writes: those of the grader's tree
    with a solution region of this lab or an earlier one."""
    upto = LABS.index(lab)
    files = []
    for f in tracked_files(ROOT):
        if not f.endswith(MARKED):
            continue
        with open(os.path.join(ROOT, f), errors="replace") as src:
            labs = {m.group(1) for m in MARK.finditer(src.read()) if m.group(2) == "BEGIN"}
        if any(l in LABS and LABS.index(l) <= upto for l in labs):
            files.append(f)
    return files


def grading_tree(submission, lab, work):
    """Write the grading tree into work; return (files taken, files missing)."""
    gen = subprocess.run([sys.executable, os.path.join(ROOT, "labs", "mklab.py"), lab, work],
                         capture_output=True, text=True)
    if gen.returncode != 0:
        raise RuntimeError(f"cannot write the starting tree: {gen.stdout}{gen.stderr}")
    taken, missing = [], []
    for f in student_files(lab):
        src = os.path.join(submission, f)
        if os.path.isfile(src) and not os.path.islink(src):
            shutil.copyfile(src, os.path.join(work, f))
            taken.append(f)
        else:
            missing.append(f)
    return taken, missing


def grade_script(lab):
    return os.path.join(ROOT, "grade", f"grade-{lab}.py")


def report_flags(args):
    flags = []
    if args.results_json:
        flags += ["--results-json", os.path.abspath(args.results_json)]
    if args.junit:
        flags += ["--junit", os.path.abspath(args.junit)]
    return flags


def fail_all(args, reason):
    """Every test of the lab failed for `reason`, in every report format."""
    print(f"autograde: {reason}")
    subprocess.run([sys.executable, grade_script(args.lab), "--fail-all", reason] +
                   report_flags(args), env=dict(os.environ, MICA_ROOT=ROOT))
    return 1


def tail(text, lines=30):
    return "\n".join(text.strip().splitlines()[-lines:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("submission")
    ap.add_argument("lab")
    ap.add_argument("--results-json")
    ap.add_argument("--junit")
    ap.add_argument("--out-dir")
    args = ap.parse_args()
    args.out_dir = os.path.abspath(args.out_dir or os.path.join("grade-out", args.lab))
    if args.lab not in LABS or not os.path.exists(grade_script(args.lab)):
        have = [l for l in LABS if os.path.exists(grade_script(l))]
        print(f"autograde: no lab '{args.lab}' (labs with a grader: {', '.join(have)})")
        return 2
    with tempfile.TemporaryDirectory(prefix="mica-submission-") as tmp:
        sub = os.path.join(tmp, "submission")
        os.makedirs(sub)
        try:
            if os.path.isdir(args.submission):
                shutil.copytree(args.submission, sub, dirs_exist_ok=True, symlinks=True)
            else:
                unpack(args.submission, sub)
        except (OSError, tarfile.TarError, zipfile.BadZipFile, ValueError, EOFError) as exc:
            return fail_all(args, f"the submission could not be unpacked: {exc}")
        work = os.path.join(tmp, "grading")
        try:
            taken, missing = grading_tree(tree_top(sub), args.lab, work)
        except (OSError, RuntimeError) as exc:
            return fail_all(args, f"cannot build the grading tree: {exc}")
        if not taken:
            return fail_all(args, "the submission holds none of the files where this lab is "
                                  "written (is it a Mica tree?)")
        print(f"autograde: lab {args.lab}: {len(taken)} files from the submission, the rest "
              f"from the grader" + (f"; missing, kept as given: {', '.join(missing)}"
                                    if missing else ""))
        try:
            build = subprocess.run(["make", "-s", "all"], cwd=work, capture_output=True,
                                   text=True, errors="replace", timeout=BUILD_SECONDS,
                                   start_new_session=True)
        except subprocess.TimeoutExpired:
            return fail_all(args, f"the build did not finish in {BUILD_SECONDS} s")
        if build.returncode != 0:
            out = tail(build.stdout + build.stderr).replace(work + "/", "")
            return fail_all(args, f"the submission does not build:\n{out}")
        env = dict(os.environ, MICA_ROOT=work)
        return subprocess.run([sys.executable, grade_script(args.lab)] + report_flags(args) +
                              ["--out-dir", args.out_dir], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
