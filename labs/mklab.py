#!/usr/bin/env python3
"""Write the starting tree of a lab.

usage: mklab.py LAB OUTDIR

The tree is the reference solution; code a student writes is marked
    /* LAB name BEGIN */ ...reference... /* LAB name ELSE ...start... LAB name END */
In the starting tree of lab N, regions of labs before N keep their
reference code (markers removed), regions of lab N and later become their
ELSE part. Regions of lab N are headed by a comment pointing to the
handout. The files copied are those git tracks; labs/CURRENT names the lab
so `make grade` grades it by default.
"""
import os
import re
import shutil
import subprocess
import sys

LABS = ["boot", "vm", "trap", "sched", "ipc", "pager", "console", "fs", "shell"]
MARKED = (".c", ".h", ".S", ".s", ".ld")
MARK = re.compile(r"LAB (\w+) (BEGIN|ELSE|END)\b")


class MarkerError(Exception):
    pass


# Files only an instructor needs: left out of every starting tree and of
# the lab repository (docs/instructors.md).
INSTRUCTOR_ONLY = (".ci/", "docs/instructors.md", "grade/autograder/", "grade/batch.py")


def transform(text, lab, path, cumulative=False):
    """The text of one file as lab `lab`'s starting tree has it. With
    cumulative (the lab repository's branches), every region is its ELSE
    part, earlier labs' too: a student builds on their own code."""
    out, region, part = [], None, None
    for n, line in enumerate(text.splitlines(keepends=True), 1):
        m = MARK.search(line)
        if not m:
            if region is None or (part == "BEGIN") == keep:
                out.append(line)
            continue
        name, kind = m.groups()
        if name not in LABS:
            raise MarkerError(f"{path}:{n}: unknown lab '{name}'")
        if kind == "BEGIN":
            if region:
                raise MarkerError(f"{path}:{n}: LAB {name} BEGIN inside LAB {region}")
            region, part = name, "BEGIN"
            keep = not cumulative and LABS.index(name) < LABS.index(lab)
            if name == lab or (cumulative and LABS.index(name) < LABS.index(lab)):
                indent = line[:len(line) - len(line.lstrip())]
                out.append(f"{indent}/* LAB {name}: your code here (labs/{name}/README.md) */\n")
        elif name != region:
            raise MarkerError(f"{path}:{n}: LAB {name} {kind} without BEGIN")
        elif kind == "ELSE":
            part = "ELSE"
        else:
            region = part = None
    if region:
        raise MarkerError(f"{path}: LAB {region} never ends")
    return "".join(out)


def tracked_files(root):
    """The tree's files: those git tracks, or in a copy without git (an
    autograder's) every file but build output."""
    git = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True)
    if git.returncode == 0 and git.stdout.strip():
        return git.stdout.split()
    files = []
    for d, subdirs, names in os.walk(root):
        rel = os.path.relpath(d, root)
        subdirs[:] = [x for x in subdirs if not (rel == "." and x in ("build", "grade-out", ".git"))]
        files += [os.path.normpath(os.path.join(rel, n)) for n in names
                  if not (rel == "." and (n.startswith("handin-") or n in ("bench.json", ".gdbinit")))]
    return sorted(files)


def write_tree(root, lab, outdir, cumulative=False):
    """Write lab's starting tree (see transform) from root into outdir.
    Raises MarkerError on a broken marker."""
    for f in tracked_files(root):
        if f.startswith(INSTRUCTOR_ONLY):
            continue
        src, dst = os.path.join(root, f), os.path.join(outdir, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if f.endswith(MARKED):
            with open(src) as fin, open(dst, "w") as fout:
                fout.write(transform(fin.read(), lab, f, cumulative))
            shutil.copymode(src, dst)
        elif os.path.isfile(src):
            shutil.copy2(src, dst)
    with open(os.path.join(outdir, "labs", "CURRENT"), "w") as f:
        f.write(lab + "\n")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    graded = [l for l in LABS if os.path.exists(os.path.join(root, "grade", f"grade-{l}.py"))]
    if len(sys.argv) != 3 or sys.argv[1] not in graded:
        print(__doc__)
        if len(sys.argv) >= 2 and sys.argv[1] in LABS:
            print(f"mklab: lab {sys.argv[1]} has no grade script yet (grade/grade-{sys.argv[1]}.py)")
        print(f"labs: {', '.join(graded)}")
        return 2
    lab, outdir = sys.argv[1], sys.argv[2]
    try:
        write_tree(root, lab, outdir)
    except MarkerError as exc:
        print(f"mklab: {exc}")
        return 1
    print(f"mklab: starting tree of lab {lab} written to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
