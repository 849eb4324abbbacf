#!/usr/bin/env python3
"""Lab boot: from OpenSBI to C, per-hart stacks, SBI calls, printf, panic
with a backtrace. Each test boots Mica in QEMU and reads its console."""
from gradelib import Lab, assert_eq, assert_true

lab = Lab("boot")


def check_banner(q, cpus, mem):
    m = q.expect(r"^harts: (\d+), memory: (\d+) MiB at 0x0*80000000")
    assert_eq(int(m.group(1)), cpus, f"hart count with CPUS={cpus}")
    assert_eq(int(m.group(2)), mem, f"memory size with -m {mem}M")
    q.expect_exit()


@lab.test(5, "banner_reports_one_hart_and_128M_from_device_tree", cpus=1, append="root=hello")
def banner1(q):
    check_banner(q, 1, 128)


@lab.test(5, "banner_reports_four_harts_and_256M_from_device_tree", boot=False)
def banner4(q):
    q.start(cpus=4, append="root=hello", extra_args=["-m", "256M"])
    check_banner(q, 4, 256)


@lab.test(10, "every_hart_starts", cpus=4, timeout=30)
def harts(q):
    m = q.expect(r"^Mica \S+ booting on hart (\d)")
    boot = int(m.group(1))
    seen = set()
    while len(seen) < 3:
        seen.add(int(q.expect(r"^hart (\d) started").group(1)))
    assert_eq(seen, {0, 1, 2, 3} - {boot}, "harts started by SBI HSM")


@lab.test(10, "printf_formats_numbers_strings_and_padding", append="test=printf")
def printf(q):
    want = ("selftest printf: [42] [-42] [4000000000] [beef] [ffffffc080200000] "
            "[-9000000000] [str] [c] [%] [    7] [ab   ] [-0012] [0x0000000000001234]")
    m = q.expect(r"^selftest printf: .*")
    assert_eq(m.group(0).rstrip(), want, "kprintf output")


@lab.test(15, "panic_prints_backtrace_naming_the_callers", append="test=panic", cpus=1)
def panic(q):
    q.expect(r"^panic: deliberate panic for the backtrace test \(depth 2\)")
    q.expect(r"^backtrace:")
    names = [q.expect(r"^\s+0x[0-9a-f]+ (\S+)\+0x[0-9a-f]+$").group(1) for _ in range(3)]
    assert_true(names[0].startswith("selftest_panic_inner"),
                f"first frame should be selftest_panic_inner, got {names}")
    assert_eq(names[1], "selftest_panic", "second frame")
    assert_eq(names[2], "kmain", "third frame")
    q.expect_exit()


lab.run()
