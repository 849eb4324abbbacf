#!/usr/bin/env python3
"""Lab pager: the memory server. Page faults over IPC and demand paging,
heap growth, spawn with arguments, exit and wait, the process tree, kill,
and the rights an ordinary program does not get. The programs are
user/tests/proctest.c and user/memtest.c, run by init without a console
server (`noconsole run=PROGRAM ARGS`), so this lab needs nothing of lab
console."""
from gradelib import Lab

lab = Lab("pager")


def run(points, test_name, program, args, cpus, *lines, timeout=30, extra_args=None):
    """A test in which init runs `program args`, which must print each regex
    of `lines` in order, print no FAIL line and exit with status 0."""
    @lab.test(points, test_name, cpus=cpus, timeout=timeout, extra_args=extra_args,
              append=f"noconsole run={program} {args}")
    def _(q):
        q.expect_seq(list(lines) + [rf"^init: {program} exited with status 0"])
        q.expect_not(r"FAIL|panic|kernel trap")


def memtest(points, test_name, args, cpus, line):
    """A test of the pager alone: memtest prints `line` (only if every
    check passed) and no FAIL line; exit and wait need not work yet."""
    @lab.test(points, test_name, cpus=cpus, append=f"noconsole run=memtest {args}")
    def _(q):
        q.expect(line)
        q.expect_not(r"FAIL|panic|kernel trap")


def case(points, test_name, name, cpus, line, timeout=30):
    run(points, test_name, "proctest", name, cpus, line, rf"^case {name}: PASS", timeout=timeout)


case(15, "spawn_exit_wait_report_statuses_kills_and_crashes", "exitwait", 2,
     r"^exitwait: statuses 0 1 42 255, killed, crashed")
case(10, "orphans_are_adopted_and_reaped_by_init", "orphans", 2, r"^orphans: adopted and reaped by init")
case(10, "a_zombie_keeps_its_status_until_its_parent_waits", "zombies", 2,
     r"^zombies: a zombie kept its status while 256 tasks came and went")
case(15, "hundred_spawns_then_48_alive_nothing_leaked_one_hart", "many", 1,
     r"^many: 100 spawned and reaped, 48 alive at once, nothing leaked", timeout=60)
case(15, "hundred_spawns_then_48_alive_nothing_leaked_four_harts", "many", 4,
     r"^many: 100 spawned and reaped, 48 alive at once, nothing leaked", timeout=60)
run(10, "running_out_of_memory_is_an_error_not_a_crash", "proctest", "oom", 2,
    r"^oom: \d+ refused by sbrk, \d+ ended out of memory, all frames back", r"^case oom: PASS",
    extra_args=["-m", "48M"])
case(10, "an_ordinary_program_gets_no_device_or_server_rights", "rights", 2,
     r"^rights: device and server rights refused to an ordinary program")
memtest(15, "demand_paging_of_a_16_mib_array", "demand", 2, r"^memtest: demand paging of 16 MiB: ok")
memtest(10, "demand_paging_on_four_harts", "demand", 4, r"^memtest: demand paging of 16 MiB: ok")
memtest(10, "heap_grows_then_is_refused_past_its_limit", "heap", 2,
        r"^memtest: heap grew to \d+ MiB, then refused: ok")
memtest(5, "stack_grows_on_demand", "stack", 2, r"^memtest: stack grew to \d+ KiB: ok")


@lab.test(10, "a_bad_access_ends_the_program_naming_address_and_pc", cpus=2,
          append="noconsole run=memtest bad")
def bad_access(q):
    q.expect(r"^mem: memtest \(pid \d+\): write at 0x0+20000000 outside its memory, pc 0x[0-9a-f]+: ended")
    q.expect_not(r"FAIL|panic|kernel trap")


lab.run()
