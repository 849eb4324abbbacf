#!/usr/bin/env python3
"""Write the lab repository: a git repository with one branch per lab.

usage: mkrepo.py DEST

Branch `boot` is the first lab's starting tree; each later branch is one
commit on top of the one before (`vm` on `boot`, `trap` on `vm`, ...). In
these branches every solution region is its starting code, earlier labs'
too: a student builds each lab on their own code. So the commit that makes
branch N+1 from branch N changes only what lab N+1 adds (the "your code
here" comments of its regions, labs/CURRENT), and a student who finished
lab N merges branch N+1 into their work with no conflict, keeping every
line they wrote (labs/README.md, "Moving to the next lab"). Files only an
instructor needs are left out (mklab.INSTRUCTOR_ONLY).
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mklab import LABS, MarkerError, write_tree   # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git(dest, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="Mica labs", GIT_AUTHOR_EMAIL="labs@mica.invalid",
               GIT_COMMITTER_NAME="Mica labs", GIT_COMMITTER_EMAIL="labs@mica.invalid",
               GIT_AUTHOR_DATE="2026-01-01T00:00:00Z", GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    return subprocess.run(["git", "-C", dest] + list(args), capture_output=True, text=True,
                          env=env, check=True)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    dest = os.path.abspath(sys.argv[1])
    if os.path.exists(dest) and os.listdir(dest):
        print(f"mkrepo: {dest} exists and is not empty")
        return 1
    labs = [l for l in LABS if os.path.exists(os.path.join(ROOT, "grade", f"grade-{l}.py"))]
    os.makedirs(dest, exist_ok=True)
    git(dest, "init", "-q", "-b", labs[0])
    try:
        for n, lab in enumerate(labs):
            if n > 0:
                git(dest, "checkout", "-q", "-b", lab)
            for entry in os.listdir(dest):   # the tree afresh: files may have gone
                if entry != ".git":
                    path = os.path.join(dest, entry)
                    shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
            write_tree(ROOT, lab, dest, cumulative=True)
            git(dest, "add", "-A")
            git(dest, "commit", "-q", "-m", f"lab {lab}: starting point\n\n"
                f"Read labs/{lab}/README.md; `make grade` grades lab {lab}.")
    except (MarkerError, subprocess.CalledProcessError, OSError) as exc:
        print(f"mkrepo: {exc}")
        return 1
    git(dest, "checkout", "-q", labs[0])
    print(f"mkrepo: {dest}: branches {', '.join(labs)} (checked out: {labs[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
