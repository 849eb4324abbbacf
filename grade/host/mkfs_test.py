#!/usr/bin/env python3
"""Host unit tests of mkfs and fsck (mkfs/).

    python3 grade/host/mkfs_test.py [MKFS FSCK]

Without arguments the tools are built first (make -s build/host/mkfs
build/host/fsck). The tests build images in a temporary directory and
check that:
  - a good image with nested directories and files of every size passes
    fsck clean, and --cat / --ls read back exactly what went in;
  - mkfs refuses bad command lines with exit status 1, a message naming
    the problem, and no output file;
  - fsck names each inconsistency planted in an image (by patching bytes
    at offsets computed here from the format), with exit status 1;
  - a committed log transaction is reported, read through by --cat, and
    installed by --replay;
  - mkfs --keep OLD.img copies the files and directories of OLD.img that
    the ENTRYs do not name (hard links, empty directories and holes
    included, read through OLD.img's log), in place too, and builds from
    the ENTRYs alone if OLD.img is damaged or missing;
  - garbage and randomly damaged images never crash fsck or upset the
    address and undefined-behaviour sanitizers it is built with.
One line per check ("ok - ..." or "FAIL - ... : what came"), then
`N passed, N failed`. Exit status 0 only if nothing failed."""
import os
import random
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The format, as include/mica/fsformat.h defines it.
BSIZE = 4096
NDIRECT = 12
NINDIRECT = BSIZE // 4
IPB = BSIZE // 64
DPB = BSIZE // 64
BPB = BSIZE * 8
NAME_MAX = 59
T_FREE, T_DIR, T_FILE = 0, 1, 2
LOG_MAGIC = 0x474F4C4D
LOG_MAX = (BSIZE - 16) // 4
SUPER = struct.Struct("<10I")     # magic version size nblocks ninodes nlog logstart inodestart bmapstart datastart
DINODE = struct.Struct("<HHI14I")  # type nlink size addrs[14]
DIRENT = struct.Struct("<I60s")
LOGHEAD = struct.Struct("<4I")     # magic n seq sum, then block[LOG_MAX]

# Sanitizer reports end a run with this status, so they are never taken for "inconsistent".
ENV = dict(os.environ, ASAN_OPTIONS="exitcode=86:detect_leaks=1",
           UBSAN_OPTIONS="halt_on_error=1:exitcode=86:print_stacktrace=1")
SANITIZER_SIGNS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error")


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, came=""):
        if ok:
            self.passed += 1
            print(f"ok - {name}")
        else:
            self.failed += 1
            print(f"FAIL - {name} : {came}")
        sys.stdout.flush()


class Run:
    """One run of a tool: exit status, stdout (bytes for --cat), stderr."""

    def __init__(self, cmd, binary=False):
        p = subprocess.run(cmd, capture_output=True, env=ENV, timeout=300)
        self.status = p.returncode
        self.out = p.stdout if binary else p.stdout.decode(errors="replace")
        self.err = p.stderr.decode(errors="replace")
        self.sanitizer = any(s in self.err for s in SANITIZER_SIGNS)

    def text(self):
        out = self.out.decode(errors="replace") if isinstance(self.out, bytes) else self.out
        text = (out + self.err).strip()
        if len(text) > 600:
            text = text[:300] + " [...] " + text[-300:]
        return f"exit {self.status}: {text!r}"


def log_sum(seq, n, words):
    """fs_log_sum(): FNV-1a over seq, n and the first n block numbers."""
    data = struct.pack("<II", seq, n) + struct.pack(f"<{min(n, LOG_MAX)}I", *words[:min(n, LOG_MAX)])
    s = 2166136261
    for byte in data:
        s = ((s ^ byte) * 16777619) & 0xFFFFFFFF
    return s


class Image:
    """An image file in memory, to read and to break on purpose."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = bytearray(f.read())
        (self.magic, self.version, self.size, self.nblocks, self.ninodes, self.nlog,
         self.logstart, self.inodestart, self.bmapstart, self.datastart) = SUPER.unpack_from(self.data, BSIZE)

    def save(self, path):
        with open(path, "wb") as f:
            f.write(self.data)
        return path

    def block(self, b):
        return bytes(self.data[b * BSIZE:(b + 1) * BSIZE])

    def set_block(self, b, contents):
        self.data[b * BSIZE:(b + 1) * BSIZE] = contents

    def set_super(self, **fields):
        names = ("magic version size nblocks ninodes nlog logstart inodestart bmapstart datastart").split()
        values = dict(zip(names, SUPER.unpack_from(self.data, BSIZE)), **fields)
        SUPER.pack_into(self.data, BSIZE, *(values[n] for n in names))

    def inode_offset(self, inum):
        return (self.inodestart + inum // IPB) * BSIZE + inum % IPB * DINODE.size

    def inode(self, inum):
        t = DINODE.unpack_from(self.data, self.inode_offset(inum))
        return {"type": t[0], "nlink": t[1], "size": t[2], "addrs": list(t[3:])}

    def set_inode(self, inum, **fields):
        ip = dict(self.inode(inum), **fields)
        DINODE.pack_into(self.data, self.inode_offset(inum), ip["type"], ip["nlink"], ip["size"], *ip["addrs"])

    def add_link(self, path, dirpath, name):
        """Give the file at path one more name, in directory dirpath (a hard link)."""
        inum = self.lookup(path)
        self.set_entry(self.free_slot(dirpath), inum, name)
        self.set_inode(inum, nlink=self.inode(inum)["nlink"] + 1)

    def free_blocks(self, blocks):
        for b in blocks:
            self.set_bit(b, False)

    def punch_hole(self, path, fbn):
        """Make direct block fbn of the file at path a hole, its block freed."""
        inum = self.lookup(path)
        addrs = self.inode(inum)["addrs"]
        self.free_blocks([addrs[fbn]])
        addrs[fbn] = 0
        self.set_inode(inum, addrs=addrs)

    def punch_dindirect_hole(self, path):
        """Free the first indirect block under the double-indirect block of
        the file at path and the blocks it maps: a hole of NINDIRECT blocks."""
        dind = self.inode(self.lookup(path))["addrs"][NDIRECT + 1]
        ind = struct.unpack_from("<I", self.data, dind * BSIZE)[0]
        self.free_blocks([ind, *struct.unpack_from(f"<{NINDIRECT}I", self.data, ind * BSIZE)])
        struct.pack_into("<I", self.data, dind * BSIZE, 0)

    def bmap(self, inum, fbn):
        """The block of file block fbn (direct or indirect: enough for the tests)."""
        addrs = self.inode(inum)["addrs"]
        if fbn < NDIRECT:
            return addrs[fbn]
        return struct.unpack_from("<I", self.data, addrs[NDIRECT] * BSIZE + 4 * (fbn - NDIRECT))[0]

    def entries(self, inum):
        """Every slot of directory inum: (byte offset, inum, name)."""
        slots = []
        for k in range(self.inode(inum)["size"] // DIRENT.size):
            off = self.bmap(inum, k // DPB) * BSIZE + k % DPB * DIRENT.size
            e, name = DIRENT.unpack_from(self.data, off)
            slots.append((off, e, name.split(b"\0")[0].decode()))
        return slots

    def lookup(self, path):
        inum = 1
        for part in filter(None, path.split("/")):
            inum = next(e for _, e, name in self.entries(inum) if e and name == part)
        return inum

    def entry_offset(self, dirpath, name):
        return next(off for off, e, n in self.entries(self.lookup(dirpath)) if e and n == name)

    def free_slot(self, dirpath):
        return next(off for off, e, _ in self.entries(self.lookup(dirpath)) if e == 0)

    def set_entry(self, off, inum, name=None):
        if name is None:
            struct.pack_into("<I", self.data, off, inum)
        else:
            DIRENT.pack_into(self.data, off, inum, name.encode())

    def bit(self, b):
        off = (self.bmapstart + b // BPB) * BSIZE + b % BPB // 8
        return self.data[off] >> (b % 8) & 1

    def set_bit(self, b, on):
        off = (self.bmapstart + b // BPB) * BSIZE + b % BPB // 8
        if on:
            self.data[off] |= 1 << (b % 8)
        else:
            self.data[off] &= ~(1 << (b % 8)) & 0xFF

    def loghead(self):
        off = self.logstart * BSIZE
        magic, n, seq, total = LOGHEAD.unpack_from(self.data, off)
        return magic, n, seq, total

    def set_log(self, homes, contents=None, n=None, seq=7, good_sum=True):
        """A committed transaction: log block i (contents[i]) belongs at homes[i]."""
        n = len(homes) if n is None else n
        off = self.logstart * BSIZE
        words = list(homes) + [0] * (LOG_MAX - len(homes))
        total = log_sum(seq, n, words) ^ (0 if good_sum else 1)
        LOGHEAD.pack_into(self.data, off, LOG_MAGIC, n, seq, total)
        struct.pack_into(f"<{LOG_MAX}I", self.data, off + LOGHEAD.size, *words)
        for i, c in enumerate(contents or []):
            self.set_block(self.logstart + 1 + i, c)


class Tools:
    def __init__(self, mkfs, fsck, tmp, tally):
        self.mkfs_path, self.fsck_path, self.tmp, self.tally = mkfs, fsck, tmp, tally
        self.count = 0

    def path(self, name):
        return os.path.join(self.tmp, name)

    def host_file(self, name, contents):
        with open(self.path(name), "wb") as f:
            f.write(contents)
        return self.path(name)

    def mkfs(self, *args):
        return Run([self.mkfs_path, *args])

    def fsck(self, *args, binary=False):
        return Run([self.fsck_path, *args], binary=binary)

    def fresh(self, name):
        """A new image path in the temporary directory."""
        self.count += 1
        return self.path(f"{self.count}-{name}.img")

    def expect(self, name, run, status, phrase=""):
        ok = run.status == status and phrase in run.out + run.err and not run.sanitizer
        self.tally.check(name, ok, run.text())


# ---- a good image ----

def good_image_tests(t):
    rnd = random.Random(1)
    files = {
        "/hello.txt": b"hello, world\n",
        "/empty": b"",
        "/bin/one-block": bytes(rnd.randrange(256) for _ in range(BSIZE)),
        "/bin/indirect": rnd.randbytes(NDIRECT * BSIZE + 1),
        "/bin/last-single": rnd.randbytes((NDIRECT + NINDIRECT) * BSIZE),
        "/data/big": rnd.randbytes(8 * 1024 * 1024 + 512 * 1024 + 123),   # through the double-indirect block
        "/a/b/c/deep.txt": b"deep\n" * 1000,
        "/" + "n" * NAME_MAX: b"a name of the longest length\n",
    }
    files.update({f"/many/f{i:03}": f"file {i}\n".encode() for i in range(100)})   # a directory of 2 blocks
    args = []
    for dest, contents in files.items():
        src = t.host_file("src" + dest.replace("/", "_"), contents)
        args.append(f"{dest}={src}")
    plain = t.host_file("plain.txt", b"put at /plain.txt by its basename\n")
    files["/plain.txt"] = files["/bin/plain.txt"] = b"put at /plain.txt by its basename\n"
    img = t.fresh("good")
    run = t.mkfs(img, *args, plain, f"/bin/={plain}", "/emptydir/", "/a/b/")
    t.expect("mkfs_builds_image_with_files_and_nested_dirs", run, 0, "8192 blocks")
    t.tally.check("mkfs_prints_one_summary_line", run.out.count("\n") == 1 and "files" in run.out, run.text())

    dirs = {"/", "/bin", "/data", "/a", "/a/b", "/a/b/c", "/many", "/emptydir"}
    run = t.fsck(img)
    t.expect("fsck_reports_good_image_clean", run, 0,
             f"fsck: clean ({len(files)} files, {len(dirs)} directories")
    for dest, contents in files.items():
        if dest.startswith("/many/") and dest != "/many/f099":
            continue
        run = t.fsck("--cat", img, dest, binary=True)
        t.tally.check(f"fsck_cat_returns_exact_contents {dest[:30]} ({len(contents)} bytes)",
                      run.status == 0 and run.out == contents and not run.sanitizer,
                      f"exit {run.status}, {len(run.out)} bytes, {'same' if run.out == contents else 'different'}"
                      f" contents, stderr {run.err[-300:]!r}")

    run = t.fsck("--ls", img, "/")
    lines = set(run.out.splitlines())
    want = {".\tdir\t4096\t7", "..\tdir\t4096\t7", "hello.txt\tfile\t13\t1", "empty\tfile\t0\t1",
            "bin\tdir\t4096\t2", "emptydir\tdir\t4096\t2", "many\tdir\t8192\t2"}
    t.tally.check("fsck_ls_lists_name_type_size_nlink", run.status == 0 and want <= lines,
                  f"missing {sorted(want - lines)}; {run.text()}")
    run = t.fsck("--ls", img, "/many")
    t.tally.check("fsck_ls_lists_every_entry_of_a_two_block_directory",
                  run.status == 0 and len(run.out.splitlines()) == 102, run.text())
    t.expect("fsck_cat_missing_file_exits_1", t.fsck("--cat", img, "/nope"), 1, "no such file")
    t.expect("fsck_cat_directory_exits_1", t.fsck("--cat", img, "/bin"), 1, "not a file")
    t.expect("fsck_ls_missing_dir_exits_1", t.fsck("--ls", img, "/a/nope"), 1, "no such file")

    im = Image(img)
    ok = (im.size == 8192 and im.ninodes == 2048 and im.nlog == 126 and im.logstart == 2 and
          im.inodestart == 2 + 1 + 126 and im.bmapstart == im.inodestart + 2048 // IPB and
          im.datastart == im.bmapstart + 1 and im.nblocks == im.size - im.datastart)
    t.tally.check("mkfs_default_layout_follows_fsformat_h", ok, f"superblock {SUPER.unpack_from(im.data, BSIZE)}")
    ok = all(im.bit(b) for b in range(8192, BPB)) and all(im.bit(b) for b in range(im.datastart))
    t.tally.check("mkfs_marks_metadata_and_bits_past_the_end_used", ok, "a clear bit")
    size = im.inode(im.lookup("/many"))["size"]
    t.tally.check("mkfs_writes_directory_sizes_in_whole_blocks", size == 2 * BSIZE, f"size {size}")


def option_tests(t):
    src = t.host_file("opt.txt", b"x" * 10000)
    img = t.fresh("small")
    t.expect("mkfs_small_options_give_clean_image", t.mkfs("-b", "300", "-i", "100", "-l", "10", img, src), 0)
    t.expect("fsck_small_image_clean", t.fsck(img), 0, "fsck: clean (1 files, 1 directories")
    im = Image(img)
    t.tally.check("mkfs_options_set_superblock", (im.size, im.ninodes, im.nlog) == (300, 100, 10),
                  f"size {im.size} ninodes {im.ninodes} nlog {im.nlog}")
    img = t.fresh("biglog")
    t.expect("mkfs_takes_the_largest_log", t.mkfs("-l", str(LOG_MAX), img, src), 0)
    t.expect("fsck_largest_log_clean", t.fsck(img), 0, "clean")
    img = t.fresh("multibitmap")
    t.expect("mkfs_image_with_two_bitmap_blocks", t.mkfs("-b", str(BPB + 100), img, src), 0)
    t.expect("fsck_two_bitmap_blocks_clean", t.fsck(img), 0, "clean")

    # The smallest size mkfs asks for is exactly the smallest that works.
    big = t.host_file("min.bin", random.Random(2).randbytes(3 * 1024 * 1024))
    run = t.mkfs("-b", "64", t.fresh("min"), big)
    words = run.err.split()
    need = int(words[words.index("least") + 1]) if "least" in words else 0
    ok_at = t.mkfs("-b", str(need), t.fresh("min-ok"), big)
    short = t.mkfs("-b", str(need - 1), t.fresh("min-short"), big)
    t.tally.check("mkfs_minimum_size_is_exact", need > 0 and ok_at.status == 0 and short.status == 1,
                  f"needs {need}: at it {ok_at.text()}, one less {short.text()}")


# ---- mkfs refusals ----

def refusal_tests(t):
    good = t.host_file("good.txt", b"good\n")
    big = t.host_file("big.bin", b"\1" * (300 * BSIZE))
    huge = t.path("huge.bin")
    with open(huge, "wb") as f:
        f.truncate(1 << 32)          # sparse: one byte more than a file can hold
    many = [f"/f{i}={good}" for i in range(10)]
    cases = [
        ("missing_host_file", [], [t.path("no-such-file")], "no-such-file: No such file"),
        ("host_directory_as_file", [], [f"/x={t.tmp}"], "not a regular file"),
        ("name_too_long", [], ["/" + "x" * (NAME_MAX + 1) + "=" + good], "name too long"),
        ("empty_path_component", [], [f"/a//b={good}"], "empty path component"),
        ("dot_component", [], [f"/a/./b={good}"], "'.' cannot be a name"),
        ("dotdot_component", [], [f"/a/../b={good}"], "'..' cannot be a name"),
        ("control_character_in_name", [], [f"/a\x01b={good}"], "bad character 0x01"),
        ("duplicate_path", [], [f"/x={good}", f"/x={good}"], "duplicate path"),
        ("duplicate_of_directory", [], ["/d/", f"/d={good}"], "duplicate path"),
        ("file_used_as_directory", [], [f"/x={good}", f"/x/y={good}"], "is a file, not a directory"),
        ("empty_destination", [], [f"={good}"], "no name"),
        ("no_host_file_after_equals", [], ["/x="], "no host file"),
        ("image_too_small", ["-b", "100"], [big], "image too small: needs at least"),
        ("image_far_too_small", ["-b", "3"], [good], "got 3"),
        ("too_many_files", ["-i", "8"], [*many], "too many files"),
        ("file_larger_than_format_allows", [], [huge], "file too large"),
        ("log_larger_than_FS_LOG_MAX", ["-l", str(LOG_MAX + 1)], [], "the log must have 1 to 1020 blocks"),
        ("log_of_zero_blocks", ["-l", "0"], [], "the log must have"),
        ("one_inode", ["-i", "1"], [], "too few inodes"),
        ("blocks_not_a_number", ["-b", "12x"], [], "not a number"),
        ("negative_blocks", ["-b", "-5"], [], "not a number"),
        ("blocks_too_big_for_uint32", ["-b", "99999999999"], [], "too big for a 32-bit number"),
        ("blocks_too_big_for_mkfs", ["-b", "4000000000"], [], "too big, at most"),
        ("inodes_too_big_for_uint32", ["-i", "4294967296"], [], "too big for a 32-bit number"),
    ]
    for name, options, entries, phrase in cases:
        out = t.fresh(name)
        run = t.mkfs(*options, out, *entries)
        ok = (run.status == 1 and phrase in run.err and run.err.count("\n") == 1 and
              not os.path.exists(out) and not run.sanitizer)
        t.tally.check(f"mkfs_refuses_{name}", ok, run.text() + ("" if not os.path.exists(out) else "; wrote a file"))
    run = t.mkfs()
    t.tally.check("mkfs_without_arguments_prints_usage", run.status == 1 and "usage" in run.err, run.text())


# ---- broken images ----

def base_image(t):
    """A small image to break: files, a nested directory, one with an indirect block."""
    files = {"/a.txt": b"A" * 100, "/b.txt": b"B" * 5000, "/dir/c.txt": b"C" * 10,
             "/big": bytes(range(256)) * 240}      # 15 blocks: uses the indirect block
    args = [f"{d}={t.host_file('base' + d.replace('/', '_'), c)}" for d, c in files.items()]
    img = t.fresh("base")
    run = t.mkfs("-b", "2048", "-i", "256", "-l", "16", img, *args, "/dir/sub/")
    t.expect("mkfs_builds_base_image_for_damage_tests", run, 0)
    t.expect("fsck_base_image_clean", t.fsck(img), 0, "clean")
    return img


def damage_tests(t, base):
    im0 = Image(base)
    ia, ib, ic = im0.lookup("/a.txt"), im0.lookup("/b.txt"), im0.lookup("/dir/c.txt")
    idir, isub, ibig = im0.lookup("/dir"), im0.lookup("/dir/sub"), im0.lookup("/big")
    a0, b0 = im0.bmap(ia, 0), im0.bmap(ib, 0)
    free_inum = im0.ninodes - 1
    free_block = im0.size - 1

    def broken(name, status, phrase, damage, *options):
        im = Image(base)
        damage(im)
        path = im.save(t.fresh(name))
        t.expect(f"fsck_reports_{name}", t.fsck(*options, path), status, phrase)
        return path

    broken("bitmap_bit_clear_for_used_block", 1, f"block {a0} is in use but marked free in the bitmap",
           lambda im: im.set_bit(a0, False))
    broken("bitmap_bit_clear_for_metadata", 1, f"block {im0.inodestart} is in use but marked free",
           lambda im: im.set_bit(im0.inodestart, False))
    broken("bitmap_bit_set_for_free_block", 1, f"block {free_block} is marked used but nothing uses it",
           lambda im: im.set_bit(free_block, True))
    broken("bitmap_bit_clear_past_the_end", 1, "bits past the disk's end must be set",
           lambda im: im.set_bit(im0.size + 5, False))

    def share(im):
        ip = im.inode(ib)
        ip["addrs"][0] = a0
        im.set_inode(ib, addrs=ip["addrs"])
    broken("block_shared_by_two_inodes", 1, f"block {a0} is used by inode {ia} and inode {ib}", share)
    broken("block_left_marked_when_unshared", 1, f"block {b0} is marked used but nothing uses it", share)

    def out_of_disk(im):
        ip = im.inode(ia)
        ip["addrs"][0] = 999999
        im.set_inode(ia, addrs=ip["addrs"])
    broken("block_number_outside_the_disk", 1, f"inode {ia}: block number 999999 outside the data area",
           out_of_disk)

    def in_metadata(im):
        ip = im.inode(ia)
        ip["addrs"][0] = im0.logstart + 1
        im.set_inode(ia, addrs=ip["addrs"])
    broken("block_number_in_the_log", 1, f"inode {ia}: block number {im0.logstart + 1} outside the data area",
           in_metadata)
    broken("file_size_short_of_its_blocks", 1, f"inode {ibig}: size 100 bytes but a block past the end",
           lambda im: im.set_inode(ibig, size=100))
    broken("wrong_nlink_of_file", 1, f"inode {ia}: nlink 3 but 1 directory entry",
           lambda im: im.set_inode(ia, nlink=3))
    broken("wrong_nlink_of_directory", 1, f"inode {idir}: nlink 2 but 3 directory entries",
           lambda im: im.set_inode(idir, nlink=2))
    broken("entry_pointing_at_free_inode", 1, f"/dir/c.txt: entry points at free inode {free_inum}",
           lambda im: im.set_entry(im.entry_offset("/dir", "c.txt"), free_inum))
    broken("entry_pointing_past_last_inode", 1, "/dir/c.txt: entry points at inode 100000, past the last inode",
           lambda im: im.set_entry(im.entry_offset("/dir", "c.txt"), 100000))
    broken("orphan_allocated_inode", 1, f"inode {free_inum} is allocated but no directory names it",
           lambda im: im.set_inode(free_inum, type=T_FILE, nlink=1))
    broken("bad_inode_type", 1, f"inode {ia}: bad type 7", lambda im: im.set_inode(ia, type=7))
    broken("inode_0_in_use", 1, "inode 0 has type 2", lambda im: im.set_inode(0, type=T_FILE))
    broken("directory_size_not_a_multiple_of_64", 1, f"directory inode {idir}: size 4000",
           lambda im: im.set_inode(idir, size=4000))
    broken("directory_without_dotdot", 1, f"directory inode {idir} (/dir) has no '..'",
           lambda im: im.set_entry(im.entry_offset("/dir", ".."), 0, ""))
    broken("directory_without_dot", 1, f"directory inode {isub} (/dir/sub) has no '.'",
           lambda im: im.set_entry(im.entry_offset("/dir/sub", "."), 0, ""))
    broken("dotdot_naming_wrong_parent", 1, f"/dir/sub: '..' names inode {isub}, not the parent directory",
           lambda im: im.set_entry(im.entry_offset("/dir/sub", ".."), isub))
    broken("directory_cycle", 1, f"/dir/sub/loop: directory inode {idir} is its own ancestor (a cycle)",
           lambda im: im.set_entry(im.free_slot("/dir/sub"), idir, "loop"))
    broken("entry_naming_the_root", 1, "/dir/up: names the root directory (a cycle)",
           lambda im: im.set_entry(im.free_slot("/dir"), 1, "up"))
    broken("directory_named_twice", 1, f"directory inode {isub} is named twice: /alias and /dir/sub",
           lambda im: im.set_entry(im.free_slot("/"), isub, "alias"))
    broken("two_entries_with_one_name", 1, "/: more than one entry named 'a.txt'",
           lambda im: im.set_entry(im.free_slot("/"), ib, "a.txt"))
    broken("slash_in_a_name", 1, "/: entry 'x/y' has a '/' in its name",
           lambda im: im.set_entry(im.entry_offset("/", "a.txt"), ia, "x/y"))
    broken("bad_superblock_magic", 1, "superblock: bad magic", lambda im: im.set_super(magic=0x12345678))
    broken("bad_superblock_version", 1, "superblock: version 9", lambda im: im.set_super(version=9))
    broken("superblock_size_larger_than_file", 1, "size 2100 blocks, but the image file holds only 2048",
           lambda im: im.set_super(size=2100))
    broken("truncated_image_file", 1, "size 2048 blocks, but the image file holds only 2000",
           lambda im: im.data.__delitem__(slice(2000 * BSIZE, None)))
    broken("superblock_layout_that_does_not_add_up", 1, "superblock: datastart",
           lambda im: im.set_super(datastart=im0.datastart + 1))
    broken("log_header_n_more_than_nlog", 1, "log header: n 17 is more than nlog 16",
           lambda im: im.set_log([a0] * 17))
    broken("log_home_block_outside_the_disk", 1, "log entry 1: home block 5000 outside the disk",
           lambda im: im.set_log([a0, 5000], [b"x" * BSIZE] * 2))
    broken("log_home_block_in_the_log", 1, "log entry 0: home block 1 is in the superblock or the log",
           lambda im: im.set_log([1], [b"x" * BSIZE]))
    broken("torn_log_header_is_no_transaction", 0, "clean",
           lambda im: im.set_log([a0], [b"x" * BSIZE], good_sum=False))
    committed_log_tests(t, base, ia, a0)


def committed_log_tests(t, base, ia, a0):
    """A committed transaction that rewrites /a.txt's data block and its
    inode's block (size 100 -> 4096): seen through, then installed."""
    im = Image(base)
    iblock = im.inodestart + ia // IPB
    new_data = b"Z" * BSIZE
    after = Image(base)
    after.set_inode(ia, size=BSIZE)
    new_inodes = after.block(iblock)
    im.set_log([a0, iblock], [new_data, new_inodes])
    path = im.save(t.fresh("committed-log"))
    before = open(path, "rb").read()

    t.expect("fsck_reports_committed_log_transaction", t.fsck(path), 1,
             "log holds a committed transaction of 2 blocks")
    t.expect("fsck_counts_pending_log_as_the_only_problem", t.fsck(path), 1, "fsck: 1 inconsistency")
    run = t.fsck("--cat", path, "/a.txt", binary=True)
    t.tally.check("fsck_cat_reads_through_committed_log", run.status == 0 and run.out == new_data,
                  f"exit {run.status}, {len(run.out)} bytes {run.out[:20]!r}")
    run = t.fsck("--ls", path, "/")
    t.tally.check("fsck_ls_reads_through_committed_log", "a.txt\tfile\t4096\t1" in run.out, run.text())
    t.tally.check("fsck_without_replay_leaves_image_unchanged", open(path, "rb").read() == before,
                  "the image file changed")

    run = t.fsck("--replay", path)
    t.expect("fsck_replay_installs_log_then_image_is_clean", run, 0, "clean")
    done = Image(path)
    t.tally.check("fsck_replay_writes_log_blocks_home",
                  done.block(a0) == new_data and done.block(iblock) == new_inodes, "home blocks differ")
    t.tally.check("fsck_replay_clears_log_header", done.loghead()[1] == 0, f"header {done.loghead()}")
    t.expect("fsck_after_replay_clean_without_log_report", t.fsck(path), 0, "clean")


# ---- mkfs --keep ----

def keep_tests(t):
    """An old image as a user might leave it: programs from an earlier
    build, and files, directories, hard links and holes made since."""
    rnd = random.Random(4)
    prog = {name: t.host_file(f"prog-{name}", contents) for name, contents in
            [("ls-v1", b"old ls\n" * 100), ("ls-v2", b"new ls\n" * 200), ("ls-v3", b"newer ls\n"),
             ("sh", b"sh\n" * 50), ("cat", b"cat\n" * 70), ("x", b"x\n")]}
    kept = {
        "/home/ann/notes.txt": b"remember the milk\n",
        "/home/ann/src/deep/main.c": b"int main(void) { return 0; }\n",
        "/home/ann/big": rnd.randbytes((NDIRECT + 3) * BSIZE + 77),   # through the indirect block
        "/bin/mytool": b"a program the user put in /bin\n",
        "/conf": b"a file where an ENTRY wants a directory\n",
        "/empty-file": b"",
    }
    old = t.fresh("keep-old")
    run = t.mkfs("-b", "2048", "-i", "256", "-l", "16", old, f"/bin/ls={prog['ls-v1']}",
                 f"/bin/sh={prog['sh']}", "/home/ann/empty/",
                 *(f"{d}={t.host_file('keep' + d.replace('/', '_'), c)}" for d, c in kept.items()))
    t.expect("mkfs_builds_old_image_for_keep_tests", run, 0)
    im = Image(old)
    im.add_link("/home/ann/notes.txt", "/", "notes-link")
    im.add_link("/bin/ls", "/", "ls-alias")           # one of two names that an ENTRY replaces
    im.punch_hole("/home/ann/big", 3)
    im.set_entry(im.free_slot("/home/ann"), 0, "g" * (NAME_MAX + 1))   # a free slot's name need not end
    im.save(old)
    big = bytearray(kept["/home/ann/big"])
    big[3 * BSIZE:4 * BSIZE] = bytes(BSIZE)
    kept["/home/ann/big"] = bytes(big)
    kept["/notes-link"] = kept["/home/ann/notes.txt"]
    kept["/ls-alias"] = b"old ls\n" * 100
    t.expect("keep_old_image_with_links_and_a_hole_is_clean", t.fsck(old), 0, "clean")
    old_bytes = open(old, "rb").read()

    entries = [f"/bin/ls={prog['ls-v2']}", f"/bin/sh={prog['sh']}", f"/bin/cat={prog['cat']}",
               f"/conf/x={prog['x']}"]
    new = t.fresh("keep-new")
    run = t.mkfs("--keep", old, new, *entries)
    # Kept: 6 files (notes.txt and its link, main.c, big, mytool, ls-alias,
    # empty-file) and 5 directories (/home, /home/ann, src, deep, empty); /bin
    # is merged, not kept; the old /conf gives way to the ENTRY's directory.
    t.expect("mkfs_keep_copies_old_files_and_says_how_many", run, 0,
             f"; kept 6 files, 5 directories from {old}")
    t.tally.check("mkfs_keep_prints_nothing_on_stderr_for_a_good_old_image", run.err == "", run.text())
    t.expect("mkfs_keep_result_is_clean", t.fsck(new), 0, "fsck: clean (10 files, 8 directories")
    want = dict(kept, **{"/bin/ls": b"new ls\n" * 200, "/bin/sh": b"sh\n" * 50,
                         "/bin/cat": b"cat\n" * 70, "/conf/x": b"x\n"})
    del want["/conf"]
    check_contents(t, "mkfs_keep", new, want)
    t.expect("mkfs_keep_entry_file_replaces_old_file_of_another_type", t.fsck("--ls", new, "/conf"), 0,
             "x\tfile\t2\t1")
    run = t.fsck("--ls", new, "/home/ann/empty")
    t.tally.check("mkfs_keep_keeps_an_empty_directory",
                  run.status == 0 and sorted(run.out.splitlines()) == [".\tdir\t4096\t2", "..\tdir\t4096\t4"],
                  run.text())
    im = Image(new)
    a, b = im.lookup("/home/ann/notes.txt"), im.lookup("/notes-link")
    t.tally.check("mkfs_keep_keeps_a_hard_link_as_one_inode_with_nlink_2",
                  a == b and im.inode(a)["nlink"] == 2, f"inodes {a} and {b}, nlink {im.inode(a)['nlink']}")
    alias = im.inode(im.lookup("/ls-alias"))
    t.tally.check("mkfs_keep_link_whose_other_name_an_entry_replaced_has_nlink_1",
                  alias["nlink"] == 1 and im.lookup("/ls-alias") != im.lookup("/bin/ls"), f"inode {alias}")
    t.tally.check("mkfs_keep_leaves_old_image_unchanged", open(old, "rb").read() == old_bytes,
                  "the old image changed")

    keep_in_place_tests(t, new, want, prog)
    keep_log_tests(t, old)
    keep_fallback_tests(t, old, entries)
    keep_size_tests(t, old, entries, rnd)


def check_contents(t, name, img, files):
    """fsck --cat gives each file's exact bytes."""
    bad = []
    for dest, contents in files.items():
        run = t.fsck("--cat", img, dest, binary=True)
        if run.status != 0 or run.out != contents or run.sanitizer:
            bad.append(f"{dest}: exit {run.status}, {len(run.out)} bytes (want {len(contents)}), {run.err[-200:]!r}")
    t.tally.check(f"{name}_cat_gives_exact_bytes_of_{len(files)}_files", not bad, "; ".join(bad[:3]))


def keep_in_place_tests(t, img, files, prog):
    """OLD.img and OUT.img the same file, as `make` rebuilds build/fs.img."""
    run = t.mkfs("--keep", img, img, f"/bin/ls={prog['ls-v3']}", f"/bin/sh={prog['sh']}")
    # /bin/cat and /conf/x (with /conf) are old files now: only ls and sh are ENTRYs.
    t.expect("mkfs_keep_in_place_rebuilds_the_image", run, 0, "; kept 8 files, 6 directories")
    t.expect("mkfs_keep_in_place_result_is_clean", t.fsck(img), 0, "fsck: clean (10 files, 8 directories")
    check_contents(t, "mkfs_keep_in_place", img, dict(files, **{"/bin/ls": b"newer ls\n"}))
    leftovers = [n for n in os.listdir(t.tmp) if ".tmp" in n]
    t.tally.check("mkfs_leaves_no_temporary_file", not leftovers, f"left {leftovers}")


def keep_log_tests(t, old):
    """A committed transaction in OLD.img (a crash before it was installed)
    rewrites /home/ann/notes.txt: mkfs keeps what recovery would show."""
    im = Image(old)
    inum = im.lookup("/home/ann/notes.txt")
    after = Image(old)
    after.set_inode(inum, size=BSIZE)
    iblock = im.inodestart + inum // IPB
    im.set_log([im.bmap(inum, 0), iblock], [b"N" * BSIZE, after.block(iblock)])
    logged = im.save(t.fresh("keep-logged"))
    before = open(logged, "rb").read()
    out = t.fresh("keep-from-logged")
    run = t.mkfs("--keep", logged, out)
    t.tally.check("mkfs_keep_reads_old_image_through_its_committed_log",
                  run.status == 0 and run.err == "" and
                  t.fsck("--cat", out, "/notes-link", binary=True).out == b"N" * BSIZE, run.text())
    t.expect("mkfs_keep_from_logged_image_is_clean", t.fsck(out), 0, "clean")
    t.tally.check("mkfs_keep_does_not_replay_old_log_into_old_image", open(logged, "rb").read() == before,
                  "the old image changed")


def keep_fallback_tests(t, old, entries):
    """A damaged, unreadable or missing OLD.img never stops the build."""
    entry_files = {"/bin/ls": b"new ls\n" * 200, "/bin/cat": b"cat\n" * 70, "/conf/x": b"x\n"}
    im = Image(old)
    im.set_inode(im.lookup("/home/ann/notes.txt"), nlink=5)
    damaged = im.save(t.fresh("keep-damaged"))
    cases = [("damaged", damaged, f"mkfs: {damaged} is damaged (1 inconsistency): not keeping its files\n"),
             ("empty", t.host_file("keep-empty.img", b""),
              "is damaged (cannot read it: too short to hold a superblock"),
             ("missing", t.path("no-such-old.img"), "")]
    for name, path, message in cases:
        out = t.fresh(f"keep-{name}")
        run = t.mkfs("--keep", path, out, *entries)
        ok = run.status == 0 and (message in run.err if message else run.err == "")
        t.tally.check(f"mkfs_keep_{name}_old_image_" + ("warns_and_builds_fresh" if message else "builds_fresh_silently"),
                      ok and "; kept 0 files, 0 directories" in run.out, run.text())
        t.expect(f"mkfs_keep_{name}_old_image_result_is_clean", t.fsck(out), 0, "fsck: clean (4 files, 3 directories")
        t.expect(f"mkfs_keep_{name}_old_image_keeps_nothing", t.fsck("--cat", out, "/bin/mytool"), 1, "no such file")
        check_contents(t, f"mkfs_keep_{name}_old_image", out, entry_files)

    in_place = Image(damaged).save(t.fresh("keep-damaged-in-place"))
    run = t.mkfs("--keep", in_place, in_place, *entries)
    t.tally.check("mkfs_keep_damaged_old_image_in_place_warns_and_builds_fresh",
                  run.status == 0 and "is damaged (1 inconsistency)" in run.err, run.text())
    t.expect("mkfs_keep_damaged_in_place_result_is_clean", t.fsck(in_place), 0, "fsck: clean (4 files, 3 directories")


def keep_size_tests(t, old, entries, rnd):
    """Kept files count toward the size, exactly: holes take no blocks."""
    out = t.fresh("keep-too-small")
    run = t.mkfs("--keep", old, "-b", "64", out, *entries)
    t.tally.check("mkfs_keep_refuses_image_too_small_for_kept_files",
                  run.status == 1 and "image too small" in run.err and
                  f"(with 6 files and 5 directories kept from {old})" in run.err and not os.path.exists(out),
                  run.text())
    run = t.mkfs("--keep", old, "-i", "12", out, *entries)
    t.tally.check("mkfs_keep_refuses_too_few_inodes_for_kept_files",
                  run.status == 1 and "too many files" in run.err and "kept from" in run.err, run.text())
    in_place = Image(old).save(t.fresh("keep-too-small-in-place"))
    before = open(in_place, "rb").read()
    run = t.mkfs("--keep", in_place, "-b", "64", in_place, *entries)
    t.tally.check("mkfs_keep_refused_in_place_leaves_old_image_unchanged",
                  run.status == 1 and open(in_place, "rb").read() == before, run.text())

    # A sparse file: NINDIRECT blocks under the double-indirect block are one hole.
    nblocks = NDIRECT + 3 * NINDIRECT
    contents = bytearray(rnd.randbytes(nblocks * BSIZE - 5))
    hole = (NDIRECT + NINDIRECT) * BSIZE
    contents[hole:hole + NINDIRECT * BSIZE] = bytes(NINDIRECT * BSIZE)
    sparse = t.fresh("keep-sparse")
    t.mkfs(sparse, f"/sparse={t.host_file('sparse.bin', bytes(contents))}")
    im = Image(sparse)
    im.punch_dindirect_hole("/sparse")
    im.save(sparse)
    t.expect("keep_old_image_with_a_double_indirect_hole_is_clean", t.fsck(sparse), 0, "clean")
    run = t.mkfs("--keep", sparse, "-b", "64", t.fresh("keep-sparse-min"))
    words = run.err.split()
    need = int(words[words.index("least") + 1]) if "least" in words else 0
    at = t.fresh("keep-sparse-at-min")
    ok_at = t.mkfs("--keep", sparse, "-b", str(need), at)
    short = t.mkfs("--keep", sparse, "-b", str(need - 1), t.fresh("keep-sparse-short"))
    t.tally.check("mkfs_keep_minimum_size_counts_kept_holes_exactly",
                  need > 0 and ok_at.status == 0 and "(0 free)" in ok_at.out and short.status == 1,
                  f"needs {need}: at it {ok_at.text()}, one less {short.text()}")
    t.expect("mkfs_keep_sparse_file_result_is_clean", t.fsck(at), 0, "clean")
    check_contents(t, "mkfs_keep_sparse", at, {"/sparse": bytes(contents)})


# ---- robustness ----

def garbage_tests(t, base):
    rnd = random.Random(3)

    def survives(name, data, *options):
        path = t.fresh(name)
        with open(path, "wb") as f:
            f.write(data)
        runs = [t.fsck(path)] + [t.fsck(*options, path, "/") for options in (["--ls"], ["--cat"])]
        bad = [r for r in runs if r.status not in (0, 1, 2) or r.sanitizer]
        t.tally.check(f"fsck_survives_{name}", not bad and runs[0].status in (1, 2),
                      (bad or runs)[0].text())

    survives("zero_length_file", b"")
    survives("100_byte_file", rnd.randbytes(100))
    survives("random_64k_file", rnd.randbytes(64 * 1024))
    survives("random_1m_file", rnd.randbytes(1024 * 1024))
    im = Image(base)
    survives("good_magic_random_superblock",
             bytes(BSIZE) + SUPER.pack(0x4D494341, 1, *(rnd.randrange(1 << 32) for _ in range(8)))
             + rnd.randbytes(30 * BSIZE))
    survives("good_superblock_random_metadata",
             bytes(im.data[:2 * BSIZE]) + rnd.randbytes((im.datastart - 2) * BSIZE)
             + bytes(im.data[im.datastart * BSIZE:]))
    t.expect("fsck_missing_image_exits_2", t.fsck(t.path("no-such.img")), 2, "cannot read")
    t.expect("fsck_directory_as_image_exits_2", t.fsck(t.tmp), 2, "not a regular file")
    mutation_tests(t, base, rnd)


def mutate(im, rnd):
    """Damage a few numbers in the metadata, the root directory or the log."""
    for _ in range(rnd.randrange(1, 6)):
        where = rnd.random()
        if where < 0.05:
            off = BSIZE + 4 * rnd.randrange(10)
        elif where < 0.15:
            off = im.logstart * BSIZE + 4 * rnd.randrange(8)
        elif where < 0.65:
            off = im.inodestart * BSIZE + 4 * rnd.randrange(16 * 16)
        elif where < 0.8:
            off = im.datastart * BSIZE + 4 * rnd.randrange(2 * DPB * 16)
        else:
            off = rnd.randrange(len(im.data) - 4) & ~3
        value = rnd.choice([0, 1, 0xFFFFFFFF, 0x80000000, rnd.randrange(im.size + 10),
                            rnd.randrange(im.ninodes + 10), rnd.randrange(1 << 32), rnd.randrange(1 << 16)])
        struct.pack_into("<I", im.data, off, value)
    if rnd.random() < 0.1:     # a committed-looking log now and then
        homes = [rnd.randrange(im.size + 10) for _ in range(rnd.randrange(1, 20))]
        im.set_log(homes, n=rnd.choice([len(homes), rnd.randrange(1 << 32)]))


def mutation_tests(t, base, rnd):
    small = t.fresh("mutation-base")
    src = t.host_file("mut.txt", b"m" * 70000)
    t.mkfs("-b", "160", "-i", "64", "-l", "4", small, f"/a.txt={src}", f"/d/e/f={src}", "/g/")
    bad = []
    for i in range(150):
        im = Image(small)
        mutate(im, rnd)
        path = im.save(t.path("mutated.img"))
        for run in (t.fsck(path), t.fsck("--ls", path, "/"), t.fsck("--cat", path, "/d/e/f")):
            if run.status not in (0, 1, 2) or run.sanitizer:
                bad.append(f"mutation {i}: {run.text()}")
    t.tally.check("fsck_survives_150_randomly_damaged_images", not bad, bad[0] if bad else "")

    # mkfs --keep reads old images it did not write: whatever it finds, the
    # build goes on (exit 0) and what it writes is clean.
    bad = []
    for i in range(60):
        im = Image(small)
        mutate(im, rnd)
        old = im.save(t.path("mutated-old.img"))
        out = t.path("mutated-out.img")
        runs = [t.mkfs("--keep", old, "-b", "400", out, f"/g/h={src}")]
        if runs[0].status == 0:
            runs.append(t.fsck(out))
        for run in runs:
            if run.status != 0 or run.sanitizer:
                bad.append(f"mutation {i}: {run.text()}")
    t.tally.check("mkfs_keep_survives_60_randomly_damaged_old_images", not bad, bad[0] if bad else "")


def main():
    tally = Tally()
    if len(sys.argv) == 3:
        mkfs, fsck = sys.argv[1:]
    else:
        build = subprocess.run(["make", "-s", "build/host/mkfs", "build/host/fsck"], cwd=ROOT,
                               capture_output=True, text=True)
        tally.check("mkfs_and_fsck_build_without_warnings", build.returncode == 0,
                    (build.stdout + build.stderr)[-1500:])
        if build.returncode != 0:
            print(f"{tally.passed} passed, {tally.failed} failed")
            return 1
        mkfs, fsck = (os.path.join(ROOT, "build", "host", n) for n in ("mkfs", "fsck"))
    with tempfile.TemporaryDirectory(prefix="mica-mkfs-test-") as tmp:
        t = Tools(mkfs, fsck, tmp, tally)
        good_image_tests(t)
        option_tests(t)
        refusal_tests(t)
        base = base_image(t)
        damage_tests(t, base)
        keep_tests(t)
        garbage_tests(t, base)
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
