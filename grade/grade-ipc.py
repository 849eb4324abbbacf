#!/usr/bin/env python3
"""Lab ipc: send/recv/call/reply_recv, notifications, timeouts, interrupts
and page faults as messages, bulk data, hostile callers. The user side is
user/tests/ipctest.c; each test runs one of its cases."""
from gradelib import Lab, TestFailure
from tracecheck import exchange_problem

lab = Lab("ipc")


def case(points, test_name, name, cpus, *lines):
    """ipctest's case `name` on `cpus` harts: it passes, printing lines."""
    lab.root_case(points, test_name, "ipctest", name, cpus, *lines)


case(10, "messages_arrive_in_order", "order", 2, r"^order: 200 messages arrived in order")
case(10, "call_reply_under_load_one_hart", "callload", 1, r"^callload: 6 clients x 300 calls, 1800 answered")
case(15, "call_reply_under_load_four_harts", "callload", 4, r"^callload: 6 clients x 300 calls, 1800 answered")
case(10, "recv_from_one_sender_while_others_wait", "filter", 2, r"^filter: B first, then (AC|CA)")
case(10, "timeouts_poll_finite_and_infinite", "timeouts", 2, r"^timeouts: poll, 50 ms, forever")
case(10, "peer_death_unblocks_with_error", "death", 2, r"^death: call, send and recv on a dying peer")
case(10, "notifications_coalesce_and_wake", "notify", 2, r"^notify: bits coalesce")
case(10, "page_faults_go_to_the_pager_as_messages", "pagefault", 2,
     r"^faulter: heap pages work \(sum 369f\)",
     r"^task \d+ \(ipctest\): page fault at 0x0+50000000 not resolved by its pager: killed",
     r"^pagefault: 3 faults served by the pager, 1 refused")
case(10, "bulk_data_travels_intact_and_bad_buffers_fail", "bulk", 2, r"^bulk: 1 to 8192 bytes travel intact")
case(15, "forged_rights_and_bad_ids_are_refused", "hostile", 2, r"^hostile: forged rights and bad IDs refused")
case(10, "a_late_reply_cannot_answer_the_next_call", "stalereply", 2, r"^stalereply: a late reply went nowhere")


@lab.test(10, "uart_interrupt_arrives_as_notification", cpus=2, append="root=ipctest case=irq")
def irq(q):
    q.expect(r"^irq: waiting for input")
    q.send("z")
    q.expect(r"^irq: got 'z' by interrupt")
    q.expect(r"^case irq: PASS")
    q.expect_not(r"^FAIL")


@lab.test(10, "the_trace_shows_a_call_its_reply_and_a_page_fault", cpus=2,
          append="root=ipctest case=traced")
def traced(q):
    """Graded by behaviour: the kernel's IPC trace of the exchange must hold
    exactly the call, the reply, the fault and their receipts, in order."""
    q.expect(r"^case traced: PASS")
    q.expect(r"^root task 'ipctest' exited with status 0")
    problem = exchange_problem(q.trace())
    if problem:
        raise TestFailure(problem)


lab.run()
