#!/usr/bin/env python3
"""make test: every test Mica has, host-side and in QEMU, one summary.

Runs the host unit tests, then each lab's grade script (every grade test
counts as one test), and ends with the line `N passed, N failed`. Exit
status 0 only if nothing failed. Output of failed QEMU tests is saved under
grade-out/<lab>/ by the grade scripts."""
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
LABS = ["boot", "vm", "trap", "sched", "ipc", "pager", "console", "fs", "shell"]
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")
TALLY = re.compile(r"^(\d+) passed, (\d+) failed", re.M)

sys.path.insert(0, os.path.join(ROOT, "grade"))
import gradelib   # noqa: E402
from gradelib import QemuSession, TestFailure   # noqa: E402
from labscheck import grade_results   # noqa: E402
import srvfuzz   # noqa: E402


def save_output(name, text):
    """Keep a failed QEMU test's output in grade-out/tests/NAME.out."""
    return gradelib.save_output("tests", name, text)


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def add(self, name, ok):
        if ok:
            self.passed += 1
        else:
            self.failed.append(name)


def run(cmd, **kw):
    """Run cmd, echo its output, return (exit status, output)."""
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    out = p.stdout + p.stderr
    sys.stdout.write(out)
    sys.stdout.flush()
    return p.returncode, out


def host_program(tally, name, cmd):
    """A host test program that ends with `N passed, N failed`."""
    print(f"== host: {name}")
    status, out = run(cmd)
    m = TALLY.findall(out)
    if not m:
        tally.add(f"host/{name}", False)
        print(f"   (no tally line; exit status {status})")
        return
    passed, failed = map(int, m[-1])
    tally.passed += passed
    tally.failed += [f"host/{name}"] * failed
    if status != 0 and failed == 0:
        tally.add(f"host/{name} (exit status {status})", False)


def fdt_tests(tally):
    """The device-tree parser against trees QEMU writes for several machines."""
    kernel = os.path.join(BUILD, "kernel.elf")
    for cpus, mem, args in ((1, 128, ""), (3, 256, "root=foo case=bar"), (8, 2048, "x")):
        dtb = os.path.join(BUILD, "host", f"virt-{cpus}-{mem}.dtb")
        cmd = [QEMU, "-machine", f"virt,dumpdtb={dtb}", "-smp", str(cpus), "-m", f"{mem}M",
               "-kernel", kernel, "-nographic"] + (["-append", args] if args else [])
        subprocess.run(cmd, cwd=ROOT, capture_output=True)
        host_program(tally, f"fdt {cpus} harts {mem}M",
                     [os.path.join(BUILD, "host", "fdt_test"), dtb, str(cpus), str(mem), args])
    host_program(tally, "fdt corrupt trees",
                 [os.path.join(BUILD, "host", "fdt_test"), "--corrupt", dtb])


def mkfs_tests(tally):
    """mkfs and fsck on good, refused, damaged and garbage images."""
    host_program(tally, "mkfs and fsck", [sys.executable, "grade/host/mkfs_test.py"])


def blk_test(tally):
    """The block driver alone: blktest's reads, writes, requests in flight, bad requests."""
    print("== blk: the virtio block driver (user/tests/blktest.c)")
    for cpus in (1, 4):
        q = QemuSession(timeout=60)
        try:
            q.start(append="noconsole nofs run=blktest", cpus=cpus)
            q.expect(r"^blktest: OK")
            q.expect(r"^init: blktest exited with status 0")
            q.expect_not(r"FAIL|panic|kernel trap")
            tally.add(f"blk/blktest {cpus} harts", True)
        except TestFailure as exc:
            path = save_output(f"blktest-{cpus}", q.output)
            print(f"   {exc}\n   output saved to {path}")
            tally.add(f"blk/blktest {cpus} harts", False)
        finally:
            q.close()


def server_fuzz_test(tally):
    """Random and malformed messages to every server, 100,000 each
    (grade/srvfuzz.py --suite, user/tests/srvfuzz.c): each keeps answering
    and gives back what it held, and the disk is clean after fs and pipe."""
    print("== srvfuzz: 100,000 random messages to each server")
    for name, ok, msg in srvfuzz.runs(srvfuzz.SERVERS, srvfuzz.SUITE_SEEDS,
                                      srvfuzz.SUITE_MESSAGES, cpus=2):
        print(f"   {name}: {'OK' if ok else 'FAIL'}: {msg}")
        tally.add(name, ok)


def crash_test(tally):
    """The file system after a crash at 250 points of a workload, and 4 real stops."""
    print("== crashtest: the disk cut off at 250 points of a write-heavy workload")
    host_program(tally, "crashtest", [sys.executable, "grade/crashtest.py", "--points", "250",
                                      "--stops", "4"])


def gdb_test(tally):
    """make qemu-gdb waits for GDB; gdb-multiarch with the .gdbinit it writes
    stops at a breakpoint in kmain, the kernel's C entry."""
    print("== gdb: make qemu-gdb + gdb-multiarch stop at kmain")
    gdb = shutil.which("gdb-multiarch") or shutil.which("gdb")
    if not gdb:
        tally.add("gdb/breakpoint_in_kmain (no gdb-multiarch)", False)
        return
    qemu = subprocess.Popen(["make", "-s", "qemu-gdb"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    try:
        line = qemu.stdout.readline()
        ok = "GDB stub on port" in line
        if ok:
            out = subprocess.run([gdb, "-q", "-batch", "-iex",
                                  f"add-auto-load-safe-path {ROOT}/.gdbinit",
                                  "-ex", "break kmain", "-ex", "continue", "-ex", "bt 1", "-ex", "kill"],
                                 cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
            ok = re.search(r"Breakpoint 1, kmain \(hartid=", out) is not None
            print(out if not ok else "   stopped at kmain")
    except subprocess.TimeoutExpired:
        ok = False
        print("   gdb timed out")
    finally:
        os.killpg(qemu.pid, signal.SIGKILL)
        qemu.wait()
    tally.add("gdb/breakpoint_in_kmain", ok)


def autograde_tests(tally):
    """A packed submission is graded by the grader's own tests over the
    submission's student files; a broken or hostile one gets zero of the
    lab's real total and the reason, not a traceback."""
    print("== autograde: grading submissions from archives")
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.tar.gz")
        # make handin in a clone: it packs the last commit, and refuses a change
        clone = os.path.join(tmp, "clone")
        subprocess.run(["git", "clone", "-q", ROOT, clone], capture_output=True)
        h = subprocess.run(["make", "-s", "handin", "LAB=boot"], cwd=clone, capture_output=True,
                           text=True)
        ok = h.returncode == 0 and os.path.exists(os.path.join(clone, "handin-boot.tar.gz"))
        if ok:
            os.replace(os.path.join(clone, "handin-boot.tar.gz"), good)
        with open(os.path.join(clone, "kernel", "main.c"), "a") as f:
            f.write("\n")
        dirty = subprocess.run(["make", "-s", "handin", "LAB=boot"], cwd=clone,
                               capture_output=True, text=True)
        ok = ok and dirty.returncode != 0 and "not committed" in dirty.stdout + dirty.stderr
        print(f"   make handin: packs the last commit, refuses uncommitted changes -> "
              f"{'OK' if ok else 'FAIL'}")
        tally.add("autograde/make_handin", ok)
        if not os.path.exists(good):
            return
        members = {}
        with tarfile.open(good) as src:
            for m in src.getmembers():
                if m.isfile():
                    members[m.name] = src.extractfile(m).read()

        def pack(name, files, prefix="", fmt="tar"):
            path = os.path.join(tmp, name)
            if fmt == "zip":
                import zipfile
                with zipfile.ZipFile(path, "w") as z:
                    for f, data in files.items():
                        z.writestr(prefix + f, data)
                return path
            with tarfile.open(path, "w:gz") as dst:
                for f, data in files.items():
                    info = tarfile.TarInfo(prefix + f)
                    info.size = len(data)
                    dst.addfile(info, io.BytesIO(data))
            return path

        broken = dict(members)
        broken["kernel/printf.c"] += b"\nthis is not C\n"   # a file lab boot writes
        # a submission that edits the tests to pass: ignored, the grader's are used
        cheat = dict(members)
        cheat["grade/grade-boot.py"] = b"print('Score: 45/45')\n"
        cheat["user/lib/utest.h"] = b"#define CHECK(c, ...)\n"
        evil = {"../escape.txt": b"hi\n"}
        cases = (
            (good, 0, "full", None),
            (pack("dot.tgz", members, prefix="./"), 0, "full", None),
            (pack("folder.zip", members, prefix="mica/", fmt="zip"), 0, "full", None),
            (pack("cheat.tgz", cheat), 0, "full", None),
            (pack("broken.tgz", broken), 1, 0, "does not build"),
            (pack("evil.tgz", evil), 1, 0, "unsafe path"),
        )
        # lab ipc's starting tree with its test library and test program made to pass
        ipc_tree = os.path.join(tmp, "ipc-tree")
        subprocess.run([sys.executable, "labs/mklab.py", "ipc", ipc_tree], cwd=ROOT,
                       capture_output=True)
        with open(os.path.join(ipc_tree, "user/lib/utest.h"), "a") as f:
            f.write("#undef CHECK\n#define CHECK(cond, ...) do { (void)(cond); } while (0)\n")
        with open(os.path.join(ipc_tree, "user/tests/ipctest.c"), "w") as f:
            f.write('#include "utest.h"\nint main(uint64_t a) { (void)a; '
                    'printf("case order: PASS\\n"); return 0; }\n')
        ipc_cheat = os.path.join(tmp, "ipc-cheat.tgz")
        subprocess.run(["tar", "czf", ipc_cheat, "-C", ipc_tree, "."])
        for archive, want_status, want_score, want_reason in cases + ((ipc_cheat, 1, 0, None),):
            report = os.path.join(tmp, "results.json")
            if os.path.exists(report):
                os.remove(report)
            lab = "ipc" if archive == ipc_cheat else "boot"
            p = subprocess.run([sys.executable, "grade/autograde.py", archive, lab,
                                "--results-json", report, "--out-dir",
                                os.path.join(tmp, "out")],
                               cwd=ROOT, capture_output=True, text=True)
            try:
                with open(report) as f:
                    result = json.load(f)
            except (OSError, ValueError):
                result = {"score": None, "max_score": None, "tests": []}
            name = f"autograde/{os.path.basename(archive)}"
            full = (result["score"] == result["max_score"] and result["score"] and
                    all(t["status"] == "passed" for t in result["tests"]))
            ok = (p.returncode == want_status and
                  (full if want_score == "full" else
                   result["score"] == 0 and result["max_score"] == (140 if lab == "ipc" else 45))
                  and
                  (want_reason is None or
                   all(want_reason in t["output"] for t in result["tests"])) and
                  "Traceback" not in p.stdout + p.stderr)
            print(f"   {name}: exit {p.returncode}, score {result['score']}/"
                  f"{result['max_score']} -> {'OK' if ok else 'FAIL'}")
            if not ok:
                print(p.stdout[-2000:] + p.stderr[-2000:])
            tally.add(name, ok)


def gradescope_test(tally):
    """The Gradescope autograder (make gradescope) run as Gradescope runs it:
    full marks for the reference tree, zero with reasons for a starting tree."""
    print("== gradescope: run_autograder on the reference tree and on a starting tree")
    subprocess.run(["make", "-s", "gradescope", "LAB=boot"], cwd=ROOT, capture_output=True)
    zip_path = os.path.join(BUILD, "gradescope-boot.zip")
    for kind in ("reference", "starting"):
        with tempfile.TemporaryDirectory(prefix="mica-gradescope-") as ag:
            import zipfile
            os.makedirs(os.path.join(ag, "source"))
            try:
                with zipfile.ZipFile(zip_path) as z:
                    z.extractall(os.path.join(ag, "source"))
            except (OSError, zipfile.BadZipFile) as exc:
                print(f"   cannot open {zip_path}: {exc}")
                tally.add(f"gradescope/{kind}", False)
                continue
            os.chmod(os.path.join(ag, "source", "run_autograder"), 0o755)
            sub = os.path.join(ag, "submission")
            if kind == "reference":
                os.makedirs(sub)
                archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True)
                subprocess.run(["tar", "xf", "-", "-C", sub], input=archive.stdout)
            else:
                subprocess.run([sys.executable, "labs/mklab.py", "boot", sub], cwd=ROOT,
                               capture_output=True)
            p = subprocess.run(["bash", os.path.join(ag, "source", "run_autograder")],
                               env=dict(os.environ, AUTOGRADER_ROOT=ag), capture_output=True,
                               text=True)
            try:
                with open(os.path.join(ag, "results", "results.json")) as f:
                    r = json.load(f)
            except (OSError, ValueError) as exc:
                r = {"score": None, "max_score": None, "tests": [], "error": str(exc)}
            tests = r.get("tests", [])
            if kind == "reference":
                ok = r["score"] == r["max_score"] == 45 and all(t["status"] == "passed" for t in tests)
            else:
                ok = (r["score"] == 0 and r["max_score"] == 45 and tests and
                      all(t["status"] == "failed" and len(t["output"]) > 10 for t in tests))
            ok = ok and "execution_time" in r and "/tmp/" not in json.dumps(r)
            print(f"   {kind} tree: score {r.get('score')}/{r.get('max_score')} -> "
                  f"{'OK' if ok else 'FAIL'}")
            if not ok:
                print(p.stdout[-2000:] + p.stderr[-2000:] + json.dumps(r)[:2000])
            tally.add(f"gradescope/{kind}", ok)


def batch_test(tally):
    """grade/batch.py over a folder of hand-ins (good, starting, broken,
    hostile) gives the expected scores, and the same CSV twice."""
    print("== batch: a folder of hand-ins graded twice")
    with tempfile.TemporaryDirectory(prefix="mica-batch-") as tmp:
        ins = os.path.join(tmp, "in")
        os.makedirs(ins)
        archive = subprocess.run(["git", "archive", "--format=tar.gz", "HEAD"], cwd=ROOT,
                                 capture_output=True).stdout
        with open(os.path.join(ins, "good.tar.gz"), "wb") as f:
            f.write(archive)
        start = os.path.join(tmp, "start")
        subprocess.run([sys.executable, "labs/mklab.py", "boot", start], cwd=ROOT,
                       capture_output=True)
        subprocess.run(["tar", "czf", os.path.join(ins, "start.tgz"), "-C", start, "."])
        with open(os.path.join(ins, "junk.tgz"), "wb") as f:
            f.write(b"not an archive\n")
        with tarfile.open(os.path.join(ins, "evil.tgz"), "w:gz") as t:
            info = tarfile.TarInfo("../evil")
            info.size = 1
            t.addfile(info, io.BytesIO(b"x"))
        csvs = []
        for run in ("1", "2"):
            out = os.path.join(tmp, f"grades{run}.csv")
            subprocess.run([sys.executable, "grade/batch.py", ins, "boot", "-j", "2", "-o", out],
                           cwd=ROOT, capture_output=True, text=True)
            try:
                with open(out) as f:
                    csvs.append(f.read())
            except OSError:
                csvs.append("")
        rows = {l.split(",")[0]: l.split(",")[1:3] for l in csvs[0].splitlines()[1:]}
        want = {"good": ["45", "45"], "start": ["0", "45"], "junk": ["0", "45"],
                "evil": ["0", "45"]}
        ok = rows == want and csvs[0] == csvs[1]
        print(f"   scores {rows}, same CSV twice: {csvs[0] == csvs[1]} -> {'OK' if ok else 'FAIL'}")
        tally.add("batch/two_runs_same_csv", ok)


def lab_repo_test(tally):
    """make lab-repo, walked as a student would: it has a branch per lab;
    solve lab N on its branch, merge branch N+1, and so on from boot to
    shell. Every merge must be clean and keep the student's code; the result
    must equal lab shell's starting tree with the student's solutions,
    build, and grade lab sched in full."""
    print("== lab-repo: a student's way from lab boot to lab shell by merging branches")
    sys.path.insert(0, os.path.join(ROOT, "labs"))
    import mklab
    walk = LABS
    with tempfile.TemporaryDirectory(prefix="mica-repo-") as tmp:
        repo, work = os.path.join(tmp, "labs.git"), os.path.join(tmp, "student")
        r = subprocess.run(["make", "-s", "lab-repo", f"DEST={repo}"], cwd=ROOT,
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout + r.stderr)
            tally.add("lab-repo/builds", False)
            return
        branches = subprocess.run(["git", "-C", repo, "branch", "--format=%(refname:short)"],
                                  capture_output=True, text=True).stdout.split()
        tally.add("lab-repo/a_branch_per_lab", sorted(branches) == sorted(LABS))
        print(f"   branches: {' '.join(branches)}")
        env = dict(os.environ, GIT_AUTHOR_NAME="s", GIT_AUTHOR_EMAIL="s@x", GIT_COMMITTER_NAME="s",
                   GIT_COMMITTER_EMAIL="s@x")
        g = lambda *a: subprocess.run(["git", "-C", work] + list(a), capture_output=True,
                                      text=True, env=env)
        subprocess.run(["git", "clone", "-q", "-b", "boot", repo, work], capture_output=True)
        marked = [f for f in mklab.tracked_files(ROOT) if f.endswith(mklab.MARKED)]
        sources = {f: open(os.path.join(ROOT, f)).read() for f in marked}
        ok, why = True, ""
        for n, lab in enumerate(walk[:-1]):
            nxt = walk[n + 1]
            header = f"/* LAB {nxt}: your code here (labs/{nxt}/README.md) */"
            for f, text in sources.items():   # the student writes lab `lab`'s regions
                solved = mklab.transform(text, nxt, f)
                solved = "".join(l for l in solved.splitlines(keepends=True)
                                 if l.strip() != header)
                with open(os.path.join(work, f), "w") as out:
                    out.write(solved)
            g("commit", "-qam", f"my lab {lab}")
            m = g("merge", "-q", "--no-edit", f"origin/{nxt}")
            if m.returncode != 0:
                ok, why = False, f"merging {nxt} into lab {lab}'s work: {m.stdout}{m.stderr}"
                break
            current = open(os.path.join(work, "labs", "CURRENT")).read().strip()
            if current != nxt:
                ok, why = False, f"labs/CURRENT is {current} after merging {nxt}"
                break
            for f, text in sources.items():
                if open(os.path.join(work, f)).read() != mklab.transform(text, nxt, f):
                    ok, why = False, f"after merging {nxt}, {f} is not the student's code " \
                                     f"plus lab {nxt}'s starting code"
                    break
            if not ok:
                break
        tally.add("lab-repo/merges_keep_the_students_code", ok)
        print(f"   merges boot -> {walk[-1]}: {'clean, code kept' if ok else 'FAIL: ' + why}")
        if not ok:
            return
        build = subprocess.run(["make", "-s", "all"], cwd=work, capture_output=True, text=True)
        results = grade_results(work, "sched") if build.returncode == 0 else []
        full = bool(results) and all(p for p, _ in results)
        print(f"   the merged tree builds: {build.returncode == 0}; lab sched graded there: "
              f"{'full' if full else 'NOT FULL'}")
        tally.add("lab-repo/merged_tree_grades_earlier_labs", full)


def lab_integrity(tally):
    """The lab integrity rule on every lab's starting tree (make labs-check;
    the reference tree's grades are the grade_lab runs above)."""
    print("== labs-check: each lab's starting tree")
    host_program(tally, "labs-check", [sys.executable, "grade/labscheck.py", "--no-reference"])


def fuzz_test(tally):
    """The system call fuzzer on 1, 2 and 4 harts (grade/fuzz.py --suite)."""
    print("== fuzz: random system calls from hostile tasks on 1, 2 and 4 harts")
    host_program(tally, "fuzz", [sys.executable, "grade/fuzz.py", "--suite"])


def restart_tests(tally):
    """The console and file system servers crashed and killed 50 times each
    under a client's load, and a server given up on after 5 quick deaths
    (grade/restarttest.py)."""
    print("== restart: console and fs crashed or killed 50 times each under load")
    host_program(tally, "restart", [sys.executable, "grade/restarttest.py", "--rounds", "50"])


def irq_restart_test(tally):
    """A driver that dies with its device's interrupt in service leaves the
    line high; the next driver of that interrupt must still be told
    (kernel/irq.c, ipctest's case irqrestart: the key typed here)."""
    print("== irq: a driver dies while its interrupt is in service; the next one gets it")
    q = QemuSession(timeout=40)
    ok = False
    try:
        q.start(cpus=2, append="root=ipctest case=irqrestart")
        q.expect(r"^irq: waiting for input")
        q.send("y")
        q.expect(r"^irqrestart: the second driver got the interrupt the first left, 'y'")
        q.expect(r"^case irqrestart: PASS")
        ok = True
        print("   the second driver got the interrupt")
    except TestFailure as exc:
        print(f"   FAIL: {exc}\n   output: {save_output('irq_restart', q.output)}")
    finally:
        q.close()
    tally.add("kernel/irq_after_driver_death", ok)


def kernel_case(tally, name, case, cpus, line, program="ipctest", extra=None):
    """A kernel test case (ipctest's kernel cases are not lab ipc's: they
    test kernel code outside the lab's regions) on `cpus` harts: it must
    print line and pass."""
    q = QemuSession(timeout=120)
    ok = False
    try:
        q.start(cpus=cpus, append=f"root={program} case={case}", extra_args=extra)
        q.expect(line)
        q.expect(rf"^case {case}: PASS")
        ok = True
        print(f"   {name}: OK")
    except TestFailure as exc:
        print(f"   {name}: FAIL: {exc}\n   output: {save_output(name, q.output)}")
    finally:
        q.close()
    tally.add(f"kernel/{name}", ok)


def kernel_tests(tally):
    """Kernel fixes found by hostile programs (issue 11), each with its test:
    a task's descendants that die with it must have left every hart before
    it is reaped (case reclaim, 300 rounds; it caught the race in every run
    before the fix); unmap frees empty page tables (case prune)."""
    print("== kernel: reclaim after death, page tables freed on unmap, deep trees, all of RAM, the FPU")
    for cpus in (2, 4):
        kernel_case(tally, f"no_memory_touched_after_death_reported_{cpus}_harts", "reclaim", cpus,
                    r"^reclaim: 300 rounds, no page touched after its task's death was reported")
    kernel_case(tally, "unmap_frees_empty_page_tables", "prune", 2,
                r"^prune: 200 maps and unmaps in fresh page tables, none left behind")
    kernel_case(tally, "a_chain_of_100_tasks_dies_with_its_top", "deeptree", 2,
                r"^deeptree: a chain of 100 tasks died with its top")
    kernel_case(tally, "a_pager_not_the_parent_learns_of_the_death", "pagerdeath", 2,
                r"^pagerdeath: the pager learned that the task it paged died")
    for gib in (2, 4):
        kernel_case(tally, f"all_of_{gib}_gib_is_used", "highmem", 2,
                    rf"^highmem: \d+ MiB of RAM, \d+ words every 64 MiB read back, "
                    rf"a child wrote at 0x0*{0x80000000 + (gib << 30) - 4096:x}$", extra=["-m", f"{gib}G"])
    for cpus in (1, 2, 4):
        kernel_case(tally, f"fp_registers_kept_per_thread_{cpus}_harts", "fpu", cpus,
                    r"^fpu: \d+ threads on \d+ harts, \d+ switches, every FP register kept",
                    program="fptest")


def trace_tests(tally):
    """The IPC trace, its converters, the deadlock detector, the console
    keys, the GDB commands and make trace (grade/tracecheck.py)."""
    host_program(tally, "trace", [sys.executable, "grade/tracecheck.py"])


def bench_test(tally):
    """make bench's figures, exact under -icount, meet the targets."""
    print("== bench: instruction counts against their targets")
    status, _ = run([sys.executable, "grade/bench.py", "--check"])
    tally.add("bench/targets_met", status == 0)


def grade_lab(tally, lab, flags=()):
    """One lab's grade on the reference tree; each grade test counts."""
    print(f"== grade {lab} {' '.join(flags)}".rstrip())
    results = grade_results(ROOT, lab, echo=True, flags=flags)
    if not results:
        tally.add(f"grade/{lab} (ran no test)", False)
    suffix = f" [{' '.join(flags)}]" if flags else ""
    for ok, name in results:
        tally.add(name + suffix, ok)


def main():
    tally = Tally()
    host_program(tally, "gradelib self-test", [sys.executable, "grade/selftest_gradelib.py"])
    fdt_tests(tally)
    mkfs_tests(tally)
    host_program(tally, "mtrace (the trace converter, on made-up dumps)",
                 [sys.executable, "grade/test_mtrace.py"])
    gdb_test(tally)
    autograde_tests(tally)
    gradescope_test(tally)
    batch_test(tally)
    lab_repo_test(tally)
    for lab in LABS:
        grade_lab(tally, lab)
    grade_lab(tally, "ipc", ("--bootarg", "nofastpath"))   # the general path alone gives the same
    fuzz_test(tally)
    blk_test(tally)
    server_fuzz_test(tally)
    crash_test(tally)
    trace_tests(tally)
    irq_restart_test(tally)
    restart_tests(tally)
    kernel_tests(tally)
    bench_test(tally)
    lab_integrity(tally)
    if tally.failed:
        print("failed:")
        for name in tally.failed:
            print(f"  {name}")
    print(f"{tally.passed} passed, {len(tally.failed)} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
