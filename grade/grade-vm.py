#!/usr/bin/env python3
"""Lab vm: the frame allocator, Sv39 page tables, the higher-half kernel
with W^X, and the page-table printer."""
import os
import subprocess

from gradelib import Lab, assert_eq, assert_true, repo_root
from ptdump import page_table

lab = Lab("vm")


def kernel_symbols():
    """Addresses of the linker symbols that bound the kernel's sections."""
    nm = subprocess.run(["make", "-s", "print-nm"], cwd=repo_root(), capture_output=True,
                        text=True, check=True).stdout.strip()
    out = subprocess.run([nm, os.path.join(repo_root(), "build", "kernel.elf")],
                         capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


@lab.test(20, "kernel_sections_have_exact_permissions", append="ptdump root=hello")
def sections(q):
    s = kernel_symbols()
    ranges = page_table(q)
    want = [(s["kernel_start"], s["etext"], "r-x-g", "text"),
            (s["etext"], s["erodata"], "r---g", "rodata"),
            (s["erodata"], s["kernel_end"], "rw--g", "data and bss")]
    for start, end, perms, what in want:
        cover = [r for r in ranges if r[0] <= start < r[1]]
        assert_true(cover, f"{what} at {start:#x} is not mapped")
        r = cover[0]
        assert_eq(r[3], perms, f"permissions of {what}")
        assert_true(r[1] >= end, f"{what} mapping ends at {r[1]:#x}, before {end:#x}")
        assert_eq(r[2], start - 0xffffffc000000000, f"physical address of {what}")


@lab.test(10, "nothing_is_writable_and_executable", append="ptdump root=hello")
def wxorx(q):
    ranges = page_table(q)
    assert_true(len(ranges) >= 4, f"only {len(ranges)} ranges printed")
    for start, end, _, perms in ranges:
        assert_true(not (perms[1] == "w" and perms[2] == "x"),
                    f"{start:#x}-{end:#x} is both writable and executable ({perms})")
        assert_true(perms[3] == "-", f"kernel mapping {start:#x}-{end:#x} is user-accessible")


@lab.test(10, "devices_and_ram_are_in_the_direct_map", append="ptdump root=hello")
def direct_map(q):
    ranges = page_table(q)
    for pa, what in ((0x10000000, "UART"), (0x0C000000, "PLIC"), (0x87FFF000, "last page of RAM")):
        va = 0xffffffc000000000 + pa
        cover = [r for r in ranges if r[0] <= va < r[1]]
        assert_true(cover, f"{what} ({pa:#x}) is not mapped at {va:#x}")
        assert_eq(cover[0][3], "rw--g", f"permissions of {what}")


@lab.test(15, "write_to_kernel_text_faults", append="test=wkt", cpus=1)
def wkt(q):
    q.expect(r"^selftest: writing to kernel text")
    q.expect(r"^kernel trap: store page fault at pc 0x\S+ \(kmain\+0x[0-9a-f]+\)")
    q.expect_exit()
    q.expect_not(r"did not fault")


@lab.test(15, "frame_allocator_gives_every_page_once", append="test=kalloc")
def kalloc(q):
    m = q.expect(r"^selftest kalloc: (\d+) pages allocated, (\d+) bad, (\d+) free before, (\d+) after")
    n, bad, before, after = map(int, m.groups())
    assert_true(n > 1000, f"only {n} pages could be allocated")
    assert_eq(bad, 0, "pages that were misaligned, outside RAM, not zeroed or handed out twice")
    assert_eq(n, before, "pages allocated vs free pages reported")
    assert_eq(after, before, "free pages after freeing them all")


lab.run()
