#!/usr/bin/env python3
"""make crashtest: is the file system crash safe?

A write-heavy workload (user/tests/crashload.c) runs once with the block
driver recording every write that reaches the disk (blk.record: a second
virtio disk gets each write's block number and data, in order). The disk
as it would be had the power gone after the Nth write is then the starting
image plus the first N records. For each crash point N this checks, on a
copy of that disk:
  - fsck --replay (install the log, as a mount does) finds it consistent;
  - every file the workload reported synced (fsync returned) before write
    N is there, with at least the bytes it had then (read by grade/
    fsimage.py, a reader apart from the server and from fsck).
Then a few real stops: QEMU runs the workload with blk.stop=N (the driver
lets no write through after the Nth), is killed, and the disk is checked
the same way; then Mica boots on that disk, whose fs server recovers it
itself, and the disk is checked again.

    python3 grade/crashtest.py [--points N] [--stops K] [--seed S] [--steps T]

Prints the points tried, inconsistencies and lost synced files; saves what
went wrong under grade-out/crashtest/."""
import argparse
import hashlib
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from gradelib import QemuSession, TestFailure, repo_root
from fsimage import FsImage, FsError, fnv1a

ROOT = repo_root()
MKFS = os.path.join(ROOT, "build", "host", "mkfs")
FSCK = os.path.join(ROOT, "build", "host", "fsck")
IMAGE_BLOCKS = 2048                     # an 8 MiB disk: quick to copy 1,000 times
REC_MAGIC = 0x43455242                  # "BREC", servers/blk/request.c
LOG_HEADER, LOG_MAGIC = 2, 0x474F4C4D    # include/mica/fsformat.h: logstart, FS_LOG_MAGIC
SYNCED = re.compile(r"^SYNCED (\S+) (\d+) (\d+) (\d+)$")
OUT = os.path.join(ROOT, "grade-out", "crashtest")

_sums = {}


def prefix_ok(data, size, want):
    """Does data begin with `size` bytes whose FNV-1a is `want`?"""
    if data is None or len(data) < size:
        return False
    key = hashlib.sha1(data[:size]).digest()
    if key not in _sums:
        _sums[key] = fnv1a(data[:size])
    return _sums[key] == want


def records(path):
    """The recorder disk's records: [(block, count, data)], in order."""
    with open(path, "rb") as f:
        raw = f.read()
    out, off, seq = [], 0, 0
    while off + 512 <= len(raw):
        magic, rseq, block, count, _sum = struct.unpack_from("<5I", raw, off)
        if magic != REC_MAGIC or rseq != seq or not 1 <= count <= 2:
            break
        data = raw[off + 512:off + 512 + count * 4096]
        if len(data) != count * 4096 or fnv1a_fast(data) != _sum:
            break
        out.append((block, count, data))
        off += 512 + count * 4096
        seq += 1
    return out


def fnv1a_fast(data):
    return fnv1a(data)


def synced(output):
    """[(path, size, fnv, writes)] from the workload's SYNCED lines."""
    return [(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))
            for m in map(SYNCED.match, output.splitlines()) if m]


def check_disk(img_path, syncs, upto, label, problems):
    """Replay the log of a copy, fsck it, and look for the synced files.
    Returns (inconsistent, lost)."""
    work = img_path + ".check"
    shutil.copyfile(img_path, work)
    res = subprocess.run([FSCK, "--replay", work], capture_output=True, text=True)
    inconsistent = res.returncode != 0
    if inconsistent:
        problems.append(f"{label}: fsck --replay exit {res.returncode}:\n{res.stdout}{res.stderr}")
    lost = 0
    try:
        img = FsImage(work)
        for path, size, want, writes in syncs:
            if writes <= upto and not prefix_ok(img.read(path), size, want):
                lost += 1
                problems.append(f"{label}: {path} was synced with {size} bytes (after "
                                f"{writes} writes) but is missing or different")
    except FsError as exc:
        inconsistent = True
        problems.append(f"{label}: cannot read the disk: {exc}")
    os.unlink(work)
    return inconsistent, lost


def fresh_image(path):
    subprocess.run([MKFS, "-b", str(IMAGE_BLOCKS), path], check=True, capture_output=True)


def recorded_run(tmp, seed, steps):
    """Run the workload once, recording; returns (base image bytes, records, syncs)."""
    base = os.path.join(tmp, "base.img")
    disk = os.path.join(tmp, "run.img")
    rec = os.path.join(tmp, "rec.img")
    fresh_image(base)
    shutil.copyfile(base, disk)
    with open(rec, "wb") as f:
        f.truncate(64 << 20)
    q = QemuSession(timeout=120)
    try:
        q.start(append=f"noconsole blk.record run=crashload {seed} {steps}", cpus=1, disk=disk,
                extra_args=["-drive", f"file={rec},if=none,format=raw,id=recdisk",
                            "-device", "virtio-blk-device,drive=recdisk,serial=rec"])
        q.expect(r"^crashload: done, (\d+) device writes")
        q.expect(r"^init: crashload exited with status 0")
        output = q.output
    finally:
        q.close()
    with open(base, "rb") as f:
        base_bytes = f.read()
    recs = records(rec)
    # the record must reproduce the disk the run left
    img = bytearray(base_bytes)
    for block, count, data in recs:
        img[block * 4096:(block + count) * 4096] = data
    with open(disk, "rb") as f:
        if bytes(img) != f.read():
            raise TestFailure("replaying every record does not give the disk the run left: "
                              "the recorder missed writes")
    return base_bytes, recs, synced(output)


def replay_points(tmp, base, recs, syncs, points, rnd, problems):
    total = len(recs)
    chosen = sorted(set([0, total]) | set(rnd.sample(range(total + 1), min(points, total + 1))))
    img = bytearray(base)
    applied = 0
    bad = lost = 0
    path = os.path.join(tmp, "point.img")
    for n in chosen:
        while applied < n:
            block, count, data = recs[applied]
            img[block * 4096:(block + count) * 4096] = data
            applied += 1
        with open(path, "wb") as f:
            f.write(img)
        i, l = check_disk(path, syncs, n, f"point {n}/{total}", problems)
        bad += i
        lost += l
    return len(chosen), bad, lost


def committed(path):
    """Does the disk's log header hold a committed transaction (n > 0)?"""
    with open(path, "rb") as f:
        f.seek(LOG_HEADER * 4096)
        magic, n = struct.unpack("<2I", f.read(8))
    return magic == LOG_MAGIC and n > 0


def commit_points(recs):
    """The crash points just after a log header with n > 0 reached the disk:
    stopped there, the disk holds a committed transaction not yet home."""
    return [i + 1 for i, (block, count, data) in enumerate(recs)
            if block == LOG_HEADER and count == 1 and
            struct.unpack_from("<2I", data) [0] == LOG_MAGIC and
            struct.unpack_from("<2I", data)[1] > 0]


def real_stop(tmp, stop, seed, steps, problems):
    """Stop the disk after `stop` writes; check it; boot on it; check again.
    Returns (inconsistent, lost, whether the server had a log to recover)."""
    disk = os.path.join(tmp, f"stop{stop}.img")
    fresh_image(disk)
    q = QemuSession(timeout=60)
    try:
        q.start(append=f"noconsole blk.stop={stop} run=crashload {seed} {steps}", cpus=1,
                disk=disk)
        q.expect(rf"^blk: stopped after {stop} writes")
        q.wait_quiet(0.3)
        output = q.output
    finally:
        q.close()
    syncs = synced(output)
    pending = committed(disk)
    i1, l1 = check_disk(disk, syncs, stop, f"stop {stop}", problems)
    q = QemuSession(timeout=60)
    try:   # the fs server mounts it: recovery by the server itself
        q.start(append="noconsole run=true", cpus=2, disk=disk)
        q.expect(r"^init: fs server ready")
        q.expect(r"^init: true exited with status 0")
        q.expect_exit()
    except TestFailure as exc:
        problems.append(f"stop {stop}: booting on the disk afterwards: {exc}")
        return 1, l1, pending
    finally:
        q.close()
    # fsck without --replay: a committed transaction the server left in the
    # log (it did not recover) counts as an inconsistency
    res = subprocess.run([FSCK, disk], capture_output=True, text=True)
    i2 = res.returncode != 0
    if i2:
        problems.append(f"stop {stop}, after the server's recovery: fsck exit {res.returncode}"
                        f":\n{res.stdout}")
    _, l2 = check_disk(disk, syncs, stop, f"stop {stop} after recovery", problems)
    return int(i1 or i2), max(l1, l2), pending


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--points", type=int, default=250)
    p.add_argument("--stops", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=120)
    a = p.parse_args()
    for tool in (MKFS, FSCK):
        if not os.path.exists(tool):
            print(f"crashtest: {tool} is missing: run make (it builds mkfs and fsck)")
            print("0 passed, 1 failed")
            return 1
    rnd = random.Random(a.seed)
    problems = []
    tmp = tempfile.mkdtemp(prefix="mica-crash-")
    passed = failed = 0
    try:
        try:
            base, recs, syncs = recorded_run(tmp, a.seed, a.steps)
        except TestFailure as exc:
            print(f"crashtest: the recorded run failed: {exc}")
            print("0 passed, 1 failed")
            return 1
        npoints, bad, lost = replay_points(tmp, base, recs, syncs, a.points, rnd, problems)
        print(f"crashtest: {len(recs)} device writes, {len(syncs)} syncs; {npoints} crash "
              f"points replayed: {bad} inconsistent, {lost} synced files lost")
        ok = bad == 0 and lost == 0 and npoints >= min(a.points, len(recs) + 1)
        if npoints < min(a.points, len(recs) + 1):
            problems.append(f"only {npoints} crash points: the workload wrote too little")
        passed += ok
        failed += not ok
        # real stops, most just after a commit point: the server must recover
        sbad = slost = recovered = 0
        commits = commit_points(recs)
        for k in range(a.stops):
            if commits and k % 4 != 3:
                stop = rnd.choice(commits)
            else:
                stop = rnd.randint(1, max(1, len(recs) - 1))
            i, l, pending = real_stop(tmp, stop, a.seed, a.steps, problems)
            sbad += i
            slost += l
            recovered += pending
        print(f"crashtest: {a.stops} real stops of QEMU ({recovered} with a committed "
              f"transaction for the server to recover): {sbad} inconsistent, {slost} synced "
              "files lost")
        ok = sbad == 0 and slost == 0 and (recovered > 0 or a.stops == 0)
        if a.stops and not recovered:
            problems.append("no real stop left a committed transaction: recovery untested")
        passed += ok
        failed += not ok
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, "problems.txt"), "w") as f:
            f.write("\n".join(problems) + "\n")
        for line in problems[:10]:
            print("  " + line.splitlines()[0])
        print(f"crashtest: every problem is in {os.path.join(OUT, 'problems.txt')}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
