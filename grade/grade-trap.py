#!/usr/bin/env python3
"""Lab trap: the trap path, system calls, timer interrupts, the first user
task, and safe access to user memory. The user side is user/tests/traptest.c."""
from gradelib import Lab, assert_eq

lab = Lab("trap")


def run_case(q, case):
    q.expect(rf"^case {case}: PASS")
    q.expect_not(r"^FAIL")
    q.expect(r"^root task 'traptest' exited with status 0")


@lab.test(10, "first_user_task_makes_system_calls")
def first_task(q):
    q.expect(r"^init: hello from user space \(task \d+, thread \d+\) on 2 harts")
    q.expect(r"^init: debug_write\(kernel address\) = -14 \(expected -14\)")
    q.expect(r"^root task 'init' exited with status 0")


@lab.test(25, "syscalls_with_bad_pointers_and_ids_return_errors",
          append="init=traptest case=badptr")
def badptr(q):
    q.expect(r"^badptr: kernel still alive")
    run_case(q, "badptr")


@lab.test(10, "user_jump_to_kernel_address_ends_the_task", append="init=traptest case=kjump")
def kjump(q):
    q.expect(r"^task \d+ \(traptest\): instruction page fault at pc 0xffffffc080200000, "
             r"address 0xffffffc080200000: killed")
    run_case(q, "kjump")


@lab.test(10, "user_write_to_kernel_memory_ends_the_task", append="init=traptest case=kwrite")
def kwrite(q):
    q.expect(r"^task \d+ \(traptest\): store page fault at pc 0x0+1[0-9a-f]+, "
             r"address 0xffffffc080202000: killed")
    run_case(q, "kwrite")


@lab.test(5, "user_read_of_kernel_memory_ends_the_task", append="init=traptest case=kread")
def kread(q):
    q.expect(r"^task \d+ \(traptest\): load page fault at pc 0x\S+, address 0xffffffc080200000: killed")
    run_case(q, "kread")


@lab.test(10, "privileged_instruction_ends_the_task", append="init=traptest case=illegal")
def illegal(q):
    q.expect(r"^task \d+ \(traptest\): illegal instruction at pc 0x\S+, instruction 0x\S+: killed")
    run_case(q, "illegal")


@lab.test(10, "unmapped_user_access_is_refused_by_the_pager", append="init=traptest case=nullptr")
def nullptr(q):
    q.expect(r"^task \d+ \(traptest\): page fault at 0x0+8 not resolved by its pager: killed")
    run_case(q, "nullptr")


@lab.test(15, "timer_ticks_arrive_on_every_hart", cpus=4, append="test=ticks init=traptest case=spin")
def ticks(q):
    harts = set()
    while len(harts) < 4:
        harts.add(int(q.expect(r"^hart (\d): 10 timer ticks").group(1)))
    assert_eq(harts, {0, 1, 2, 3}, "harts reporting ticks")
    run_case(q, "spin")


lab.run()
