#!/usr/bin/env python3
"""Lab console: the console server, a user-level UART driver fed by
interrupt notifications, with line editing, serving many programs. Each
test boots the whole system to the shell's prompt and types at it as a
person would (QEMU's serial line sends Enter as '\\r'). The helper program
is user/tests/contest.c."""
import re

from gradelib import Lab, TestFailure, assert_eq, assert_true

lab = Lab("console")

PROMPT = r"^\$ $"


def shell(q):
    """Wait for the first prompt."""
    q.expect(r"^init: console server ready \(pid \d+\)")
    q.expect(PROMPT)


@lab.test(10, "shell_prompt_runs_echo_with_arguments", cpus=2)
def echo(q):
    shell(q)
    q.send("echo hello from   the shell\r")
    q.expect(r"^hello from the shell$")
    q.expect(PROMPT)


@lab.test(10, "backspace_and_delete_erase_a_character", cpus=2)
def backspace(q):
    shell(q)
    q.send("echo abxy\x7f\x08cd\r")   # DEL and BS erase y and x
    q.expect(r"^abcd$")


@lab.test(10, "ctrl_u_erases_the_whole_line", cpus=2)
def kill_line(q):
    shell(q)
    q.send("echo wrong\x15echo right\r")
    q.expect(r"^right$")
    q.expect(PROMPT)
    assert_true(not any(re.match(r"^wrong", l) for l in q.lines()),
                "the erased words were run: " + repr(q.lines()[-6:]))


def ctrl_c(cpus):
    @lab.test(10, f"ctrl_c_ends_a_running_sleep_{cpus}_harts", cpus=cpus)
    def _(q):
        shell(q)
        q.send("sleep 30\r")
        q.expect(r"sleep 30$")
        q.wait_quiet(0.5)
        q.send("\x03")
        q.expect(r"^sleep: killed$", timeout=10)
        q.expect(PROMPT)
        q.send("echo after\r")
        q.expect(r"^after$")


ctrl_c(1)
ctrl_c(4)


@lab.test(10, "ctrl_d_ends_input_of_a_reading_program", cpus=2)
def ctrl_d(q):
    shell(q)
    q.send("contest read\r")
    q.wait_quiet(0.5)
    q.send("one\r")
    q.expect(r"^contest: got 'one'$")
    q.send("tw\x04")   # ^D after text: that text, without a newline (nor an echoed one)
    q.expect(r"^twcontest: got 'tw'$")
    q.send("\x04")     # ^D on an empty line: end of input
    q.expect(r"^contest: end of input after 2 lines \(0\)$")
    q.expect(PROMPT)


@lab.test(5, "ctrl_d_at_the_prompt_ends_the_shell_and_init_starts_another", cpus=2)
def ctrl_d_shell(q):
    shell(q)
    q.send("\x04")
    q.expect(PROMPT)
    q.send("echo still here\r")
    q.expect(r"^still here$")


def check_whole_lines(q, tags, count):
    """Every line of `contest print` for each tag arrived whole, in order."""
    got = {t: [] for t in tags}
    for line in q.lines():
        line = re.sub(r"^(\$ )+", "", line)   # a prompt has no newline: a line may follow it
        for t in tags:
            if t * 8 not in line:
                continue
            whole = re.fullmatch(rf"{t} (\d{{3,4}}) {t}{{48}}", line)
            assert_true(whole, f"a line of program {t} was mixed with other output: {line!r}")
            got[t].append(int(whole.group(1)))
    for t in tags:
        assert_eq(got[t], list(range(count)), f"lines of program {t}")


def mixing(cpus):
    @lab.test(15, f"two_programs_printing_at_once_never_mix_a_line_{cpus}_harts", cpus=cpus,
              timeout=40)
    def _(q):
        shell(q)
        q.send("contest both 200\r")   # one command: no typing echoed among the lines
        q.expect(r"contest both 200$")
        q.expect(PROMPT)
        check_whole_lines(q, "AB", 200)


mixing(1)
mixing(4)


@lab.test(10, "writes_wait_for_a_slow_terminal_and_none_is_lost", cpus=2, timeout=60)
def slow_terminal(q):
    shell(q)
    q.send("contest both 1500\r")
    q.expect(r"contest both 1500$")
    q.stall(5)   # the terminal stops reading: the UART, then the console's ring, fill up
    q.expect(PROMPT)
    check_whole_lines(q, "AB", 1500)


@lab.test(10, "a_reader_waiting_for_a_line_never_holds_up_writers", cpus=2)
def reader_and_writer(q):
    shell(q)
    q.send("contest print C 20 30 &\r")
    for i in range(20):   # the shell sits in read() all this time
        q.expect(rf"^(\$ )?C {i:03d} C{{48}}$")
    q.send("echo done\r")
    q.expect(r"^done$")


@lab.test(10, "a_crashing_program_is_reported_and_the_shell_survives", cpus=2)
def crash(q):
    shell(q)
    q.send("memtest bad\r")
    q.expect(r"^mem: memtest \(pid \d+\): write at 0x0+20000000 outside its memory")
    q.expect(r"^memtest: crashed$")
    q.expect(PROMPT)
    q.send("nosuch\r")
    q.expect(r"^nosuch: program not found$")
    q.expect(PROMPT)
    q.send("false\r")
    q.expect(r"^false: exit status 1$")
    q.expect(PROMPT)
    q.send("echo alive\r")
    q.expect(r"^alive$")


@lab.test(10, "bad_requests_get_errors_and_the_console_survives", cpus=2)
def hostile(q):
    shell(q)
    q.send("contest hostile\r")
    q.expect(r"^contest: still served$")
    q.expect(r"^hostile: bad requests refused, the console still serves$")
    q.expect(r"^case hostile: PASS")
    q.expect(PROMPT)
    q.send("echo fine\r")
    q.expect(r"^fine$")
    q.expect_not(r"FAIL")


@lab.test(10, "ps_lists_the_servers_and_their_memory", cpus=2)
def ps(q):
    shell(q)
    q.send("ps\r")
    rows = {}
    while True:   # every row, up to the summary line
        m = q.expect(r"^(?:\s*(\d+)\s+(\d+)\s+\w+\s+(\d+)\s+(\w+)|(\d+) processes hold .*)$")
        if m.group(5):
            break
        rows[m.group(4)] = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for name in ("mem", "init", "console", "sh", "ps"):
        assert_true(name in rows, f"ps did not list {name}: {rows}")
        assert_true(rows[name][2] > 0, f"{name} holds no memory: {rows[name]}")
    assert_eq(rows["sh"][1], rows["init"][0], "the shell's parent")
    assert_eq(rows["ps"][1], rows["sh"][0], "ps's parent")


lab.run()
