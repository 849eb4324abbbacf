#!/usr/bin/env python3
"""Lab trap: the trap path, system calls, timer interrupts, the first user
task, and safe access to user memory. The user side is user/tests/traptest.c."""
from gradelib import Lab, assert_eq, assert_true
from ptdump import page_table

lab = Lab("trap")


def run_case(q, case):
    q.expect(rf"^case {case}: PASS")
    q.expect_not(r"^FAIL")
    q.expect(r"^root task 'traptest' exited with status 0")


@lab.test(10, "first_user_task_makes_system_calls", append="root=hello")
def first_task(q):
    q.expect(r"^hello: hello from user space \(task \d+, thread \d+\) on 2 harts")
    q.expect(r"^hello: debug_write\(kernel address\) = -14 \(expected -14\)")
    q.expect(r"^root task 'hello' exited with status 0")


@lab.test(25, "syscalls_with_bad_pointers_and_ids_return_errors",
          append="root=traptest case=badptr")
def badptr(q):
    q.expect(r"^badptr: kernel still alive")
    run_case(q, "badptr")


def crash(points, test_name, case, message):
    """A test in which the root task does something forbidden (traptest
    case `case`): the kernel must end it with `message` and power off (the
    root task's end), not crash."""
    @lab.test(points, test_name, append=f"root=traptest case={case}")
    def _(q):
        q.expect(rf"^case {case}: start")
        q.expect(r"^task \d+ \(traptest\): " + message + r": killed")
        q.expect(r"^root task 'traptest' exited with status -1: powering off")
        q.expect_not(r"^FAIL|^panic|kernel trap")


crash(10, "user_jump_to_kernel_address_ends_the_task", "kjump",
      r"instruction page fault at pc 0xffffffc080200000, address 0xffffffc080200000")
crash(10, "user_write_to_kernel_memory_ends_the_task", "kwrite",
      r"store page fault at pc 0x0+1[0-9a-f]+, address 0xffffffc080202000")
crash(5, "user_read_of_kernel_memory_ends_the_task", "kread",
      r"load page fault at pc 0x\S+, address 0xffffffc080200000")
crash(5, "privileged_instruction_ends_the_task", "illegal",
      r"illegal instruction at pc 0x\S+, instruction 0x0*100025f3")
crash(10, "unmapped_access_without_pager_ends_the_task", "nullptr",
      r"load page fault at pc 0x\S+, address 0x0+8")


@lab.test(5, "user_mode_reads_the_counters", cpus=2, append="root=traptest case=counters")
def counters(q):
    """scounteren (trap_interrupts_on) lets U-mode read cycle, time and
    instret; without it the first read is an illegal instruction."""
    q.expect(r"^counters: cycle, time and instret are readable in U-mode and count")
    q.expect(r"^case counters: PASS")
    q.expect_not(r"^FAIL|killed")


@lab.test(5, "fp_instructions_run_in_user_mode", cpus=2, append="root=traptest case=fpu")
def fpu(q):
    """The first FP instruction traps as illegal with the FPU off; the
    kernel must give the thread its FPU (fp.c), not end it: user_exception
    passes the trap to fp_trap before it ends the task."""
    q.expect(r"^fpu: 1\.5 \* 2\.25 \+ 0\.125 = 3500/1000, computed in the FPU")
    q.expect(r"^case fpu: PASS")
    q.expect_not(r"^FAIL|killed")


@lab.test(15, "timer_ticks_arrive_on_every_hart", cpus=4, append="test=ticks root=traptest case=spin")
def ticks(q):
    harts = set()
    while len(harts) < 4:
        harts.add(int(q.expect(r"^hart (\d): 10 timer ticks").group(1)))
    assert_eq(harts, {0, 1, 2, 3}, "harts reporting ticks")
    run_case(q, "spin")


@lab.test(10, "first_task_page_table_has_its_segments_and_the_shared_kernel", append="root=vmtest")
def user_pt(q):
    ranges = page_table(q)
    user = [r for r in ranges if r[3][3] == "u"]
    kern = [r for r in ranges if r[3][3] == "-"]
    perms = {r[0]: r[3] for r in user}
    assert_eq(perms.get(0x10000), "r-xu-", "user text at 0x10000")
    assert_true(any(p == "r--u-" for p in perms.values()), f"no read-only user data in {perms}")
    assert_true(any(p == "rw-u-" for p in perms.values()), f"no writable user data in {perms}")
    assert_true(all(r[1] <= 0x4000000000 for r in user), "user mapping above USER_TOP")
    assert_true(kern and all(r[0] >= 0xffffffc000000000 and r[3][4] == "g" for r in kern),
                "kernel half missing or not global in the task's page table")
    assert_true(any(l.startswith("vmtest: done") for l in q.lines()), "vmtest did not finish")


lab.run()
