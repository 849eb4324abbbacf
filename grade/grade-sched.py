#!/usr/bin/env python3
"""Lab sched: tasks and threads, preemptive priority round-robin scheduling,
sleep, several harts, kernel object limits. The user side is
user/tests/schedtest.c; each test runs one of its cases."""
from gradelib import Lab

lab = Lab("sched")


def case(points, name, cpus, *lines):
    """schedtest's case `name` on `cpus` harts: it passes, printing lines."""
    lab.root_case(points, name_of[name], "schedtest", name, cpus, *lines, timeout=10)


name_of = {
    "preempt": "spinning_task_does_not_starve_others",
    "priority": "higher_priority_threads_run_first",
    "roundrobin": "equal_priority_threads_share_a_hart_by_time_slices",
    "sleep": "sleep_blocks_for_the_time_asked",
    "smp": "threads_spread_over_four_harts_and_respect_affinity",
    "limits": "task_thread_and_page_table_limits_refuse_then_recover",
    "killrunning": "killing_a_task_running_on_another_hart",
    "hogdies": "a_task_that_made_tasks_until_refused_dies_and_all_comes_back",
}

case(15, "preempt", 1, r"^preempt: root ran \d+ laps beside a spinning task")
case(15, "priority", 1, r"^priority: order HML")
case(15, "roundrobin", 1, r"^roundrobin: counts \d+ \d+, switches seen")
case(10, "sleep", 1, r"^sleep: slept \d+ ms for 100")
case(15, "smp", 4, r"^smp: pinned threads stayed put; free threads used harts f")
case(10, "limits", 2, r"^limits: \d+ children before refusal", r"^limits: \d+ page-table-hungry")
case(10, "killrunning", 2, r"^killrunning: 5 running tasks killed and reaped")
case(10, "hogdies", 2, r"^hogdies: a task that made \d+ tasks died")

lab.run()
