#!/usr/bin/env python3
"""Lab fs: the file system server. Block mapping, directories and path
names, allocation, create and rename, and the write-ahead log; every
operation with its errors, an 8 MiB file, 1,000 files in a directory,
pipes, redirected children, concurrent writers, a reboot, damaged disks
refused, and crashes at many points of a workload. The programs are
user/tests/fstest.c (run by init without a console: `noconsole run=fstest
CASE`) and user/tests/crashload.c (grade/crashtest.py)."""
import os
import re
import shutil
import struct
import subprocess
import tempfile

from gradelib import Lab, QemuSession, TestFailure, assert_eq, assert_true, repo_root

lab = Lab("fs")
FSIMG = os.path.join(repo_root(), "build", "fs.img")


def case(points, test_name, name, cpus, line, timeout=30):
    @lab.test(points, test_name, cpus=cpus, timeout=timeout,
              append=f"noconsole run=fstest {name}")
    def _(q):
        q.expect_seq([r"^init: fs server ready", line, rf"^case {name}: PASS",
                      r"^init: fstest exited with status 0"])
        q.expect_not(r"FAIL|panic|kernel trap")


case(10, "open_read_write_seek_stat_and_their_errors", "files", 2,
     r"^files: open/read/write/seek/stat, holes, O_EXCL/O_TRUNC/O_APPEND and errors")
case(10, "directories_dot_dotdot_link_counts_cwd", "dirs", 2,
     r"^dirs: mkdir/rmdir/readdir, \. and \.\., link counts, the working directory")
case(10, "hard_links_and_rename", "links", 2,
     r"^links: hard links, unlinked open files, rename of files and directories")
case(15, "an_8_mib_file_read_back_with_its_checksum", "big", 2,
     r"^big: an 8 MiB file written, read back, checksums equal, blocks freed", timeout=90)
case(10, "a_thousand_files_in_one_directory", "many", 2,
     r"^many: 1000 files in one directory, listed and removed", timeout=60)
case(10, "malformed_requests_get_error_codes", "hostile", 2,
     r"^hostile: malformed requests get error codes; a dead client's handles close")
case(10, "pipes_block_and_end", "pipes", 2,
     r"^pipes: in order, a full pipe holds its writer, end of file, -EPIPE")
case(10, "children_inherit_redirections_and_cwd", "inherit", 2,
     r"^inherit: redirected 0/1/2 and the working directory pass to children")
case(10, "four_writers_at_once_on_four_harts", "concurrent", 4,
     r"^concurrent: 4 writers at once, every file intact", timeout=60)


PROMPT = r"^\$ $"


def shell_do(q, command, *lines):
    """Type a command at the shell; expect each regex of lines, then a prompt."""
    q.send(command + "\r")
    for line in lines:
        q.expect(line)
    q.expect(PROMPT)


def shell_session(cpus):
    @lab.test(15, f"the_shell_makes_moves_and_runs_disk_programs_{cpus}_harts",
              cpus=cpus, timeout=30)
    def _(q):
        # Redirections and pipes are lab shell's: only programs here.
        q.expect(r"^init: fs server ready")
        q.expect(PROMPT)
        shell_do(q, "mkdir /d")
        shell_do(q, "cp /bin/echo /d/e2")
        shell_do(q, "/d/e2 run from the disk", r"^run from the disk$")
        shell_do(q, "cp /d/e2 /d/e3")
        shell_do(q, "mv /d/e3 /d/g")
        shell_do(q, "ls /d", r"^e2$", r"^g$")
        shell_do(q, "wc /d/e2 /d/g", r"^\s*\d+\s+\d+\s+(\d+) /d/e2$", r"^\s*\d+\s+\d+\s+\d+ /d/g$")
        sizes = re.findall(r"^\s*\d+\s+\d+\s+(\d+) /d/(?:e2|g)$", q.output, re.M)
        assert_true(len(sizes) == 2 and sizes[0] == sizes[1], f"the copy's size differs: {sizes}")
        shell_do(q, "cat /d/e3", r"^cat: /d/e3: no such file or directory$")
        shell_do(q, "touch /d/t")
        shell_do(q, "ls -l /d", r"^-\s+1\s+\d+\s+e2$", r"^-\s+1\s+\d+\s+g$", r"^-\s+1\s+0\s+t$")
        shell_do(q, "rm /d/g /d/e2 /d/t")
        shell_do(q, "rmdir /d")
        shell_do(q, "ls /", r"^bin$")
        q.expect_not(r"^d$|panic|kernel trap")


shell_session(1)
shell_session(4)


def boot_on(disk, append, cpus=2, timeout=30):
    """Boot on image `disk` (used in place); the session, started."""
    q = QemuSession(timeout=timeout)
    q.start(append=append, cpus=cpus, disk=disk)
    return q


@lab.test(10, "files_survive_a_reboot", boot=False)
def persist(q):
    tmp = tempfile.mkdtemp(prefix="mica-fs-")
    disk = os.path.join(tmp, "fs.img")
    shutil.copyfile(FSIMG, disk)
    try:
        q.start(append="noconsole run=fstest persist_write", cpus=2, disk=disk)
        q.expect(r"^persist_write: /keep/file written and synced")
        q.expect(r"^init: fstest exited with status 0")
        q.expect_exit()
        q2 = boot_on(disk, "noconsole run=fstest persist_check")
        try:
            q2.expect(r"^persist_check: /keep/file came back after the reboot")
            q2.expect(r"^init: fstest exited with status 0")
            q2.expect_not(r"FAIL")
        finally:
            q2.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def damaged(kind, data):
    """The image bytes with one thing broken; the message the server must give."""
    img = bytearray(data)
    sb = struct.unpack_from("<10I", img, 4096)
    size, ninodes, inodestart, datastart = sb[2], sb[4], sb[7], sb[9]
    root = inodestart * 4096 + 64        # inode 1
    root_block = struct.unpack_from("<I", img, root + 8)[0]
    if kind == "magic":
        struct.pack_into("<I", img, 4096, 0x12345678)
        return img, r"bad superblock magic 0x12345678"
    if kind == "size":
        struct.pack_into("<I", img, 4096 + 8, size * 4)
        return img, rf"size, {size * 4} blocks, does not fit the device"
    if kind == "block":
        struct.pack_into("<I", img, root + 8 + 4, 0x7fffff)   # the root's second block
        return img, r"inode 1 names block 8388607, outside the data blocks"
    if kind == "entry":
        # the root's first entry after "." and "..": point it at a free inode
        off = root_block * 4096 + 2 * 64
        free_inum = ninodes - 1
        struct.pack_into("<I", img, off, free_inum)
        return img, rf"entry \"[^\"]+\" points at free inode {free_inum}"
    raise ValueError(kind)


@lab.test(20, "a_damaged_or_foreign_disk_is_refused_with_its_reason", boot=False)
def refused(q):
    tmp = tempfile.mkdtemp(prefix="mica-fs-")
    try:
        with open(FSIMG, "rb") as f:
            good = f.read()
        disk = os.path.join(tmp, "fs.img")
        with open(disk, "wb") as f:
            f.write(good)
        q.start(append="noconsole run=true", cpus=2, disk=disk)   # a good disk mounts
        q.expect(r"^init: fs server ready")
        q.expect_exit()
        for kind in ("magic", "size", "block", "entry"):
            img, message = damaged(kind, good)
            with open(disk, "wb") as f:
                f.write(img)
            q2 = boot_on(disk, "noconsole run=true")
            try:
                q2.expect(r"^fs: cannot mount: .*" + message)
                q2.expect(r"^init: fs server failed to start")
                q2.expect(r"^init: true exited with status 0")
                q2.expect_not(r"panic|kernel trap")
            except TestFailure as exc:
                raise TestFailure(f"a disk with a broken {kind}: {exc}") from None
            finally:
                q2.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@lab.test(10, "a_read_costs_one_block_request_and_a_cached_read_none", boot=False,
          timeout=60)
def read_cost(q):
    """Graded by behaviour, from the kernel's IPC trace: `cat` of a one-block
    file the first time after boot costs the fs server exactly one BLK_READ
    while it serves cat's first FS_READ, and none for the end of file; the
    second `cat` finds the block in the buffer cache and costs none."""
    tmp = tempfile.mkdtemp(prefix="mica-fs-")
    try:
        data = os.path.join(tmp, "data")
        with open(data, "w") as f:
            f.write("".join(f"line {i:02d} of the one-block file /data".ljust(63, ".") + "\n"
                            for i in range(64)))
        assert_eq(os.path.getsize(data), 4096, "the test file's size")
        disk = os.path.join(tmp, "fs.img")
        build = os.path.join(repo_root(), "build")
        mk = subprocess.run([os.path.join(build, "host", "mkfs"), "-b", "2048", disk,
                             f"/bin/cat={os.path.join(build, 'user', 'cat')}", f"/data={data}"],
                            capture_output=True, text=True)
        if mk.returncode != 0:
            raise TestFailure(f"mkfs failed: {mk.stdout}{mk.stderr}")
        q.start(cpus=2, disk=disk)
        q.expect(PROMPT)
        for _ in range(2):
            q.send("trace cat /data\r")
            q.expect(r"^line 63 of the one-block file")
            q.expect(r"^trace: end")
            q.expect(PROMPT)
        for run, want in ((0, [1, 0]), (1, [0, 0])):
            t = q.trace(run)
            reads = t.calls(sender="cat", receiver="fs", label="FS_READ")
            got = [sum(1 for m in t.nested(r) if m.receiver_name == "blk") for r in reads]
            results = [r.reply.result if r.reply else None for r in reads]
            if results != [4096, 0] or got != want:
                raise TestFailure(
                    f"cat number {run + 1}: its FS_READs returned {results} (expected [4096, 0]) "
                    f"and cost {got} messages to blk (expected {want}); the trace:\n"
                    + "\n".join(f"  {r}: " + ", ".join(str(m) for m in t.nested(r)) for r in reads))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@lab.test(25, "crash_at_60_points_and_2_real_stops_lose_nothing_synced", boot=False,
          timeout=240)
def crash(q):
    q.close()
    script = os.path.join(repo_root(), "grade", "crashtest.py")
    res = subprocess.run(["python3", script, "--points", "60", "--stops", "2", "--seed", "7"],
                         cwd=repo_root(), capture_output=True, text=True, timeout=600)
    lines = res.stdout.strip().splitlines()
    assert_true(res.returncode == 0 and lines and lines[-1] == "2 passed, 0 failed",
                "the crash test:\n" + "\n".join(lines[-12:]) + res.stderr[-2000:])


lab.run()
