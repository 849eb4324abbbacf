"""Reading the page tables Mica prints (kernel/vm.c vm_dump), for the
grade scripts of labs vm and trap."""
import re

from gradelib import assert_true

RANGE = re.compile(r"^\s+0x([0-9a-f]+)-0x([0-9a-f]+) -> ([0-9a-f]+) ([r-][w-][x-][u-][g-])$")


def page_table(q):
    """The first page table Mica prints, as (start, end, pa, perms) ranges.
    Waits for QEMU to power off first, so the whole table is there."""
    q.expect_exit()
    lines = q.lines()
    first = next((i for i, l in enumerate(lines) if l.startswith("page table 0x")), None)
    assert_true(first is not None, "no 'page table' line in the output")
    ranges = []
    for line in lines[first + 1:]:
        r = RANGE.match(line)
        if not r:
            break
        ranges.append((int(r.group(1), 16), int(r.group(2), 16), int(r.group(3), 16), r.group(4)))
    return ranges
