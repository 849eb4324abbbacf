#!/usr/bin/env python3
"""Lab shell: the shell's built-ins, redirections and pipes (user/sh.c), and
the supervisor's restart of a server that died (user/init.c). Each test
boots the whole system and types at the shell as a person would, or runs
user/tests/restarttest.c, which crashes and kills servers under a load."""
import re

from gradelib import Lab, TestFailure, assert_eq, assert_true

lab = Lab("shell")

PROMPT = r"^\$ $"


def shell(q):
    q.expect(r"^init: fs server ready")
    q.expect(PROMPT)


def do(q, command, *lines):
    """Type a command; expect each regex of lines in order, then a prompt."""
    q.send(command + "\r")
    for line in lines:
        q.expect(line)
    q.expect(PROMPT)


@lab.test(15, "cd_and_pwd_change_and_show_the_working_directory", cpus=2)
def cd_pwd(q):
    shell(q)
    do(q, "pwd", r"^/$")
    do(q, "cd /bin")
    do(q, "pwd", r"^/bin$")
    do(q, "cd /nosuch", r"^sh: cd: /nosuch: no such file or directory$")
    do(q, "pwd", r"^/bin$")
    do(q, "cd")
    do(q, "pwd", r"^/$")


@lab.test(10, "exit_leaves_the_shell_with_its_status", cpus=2)
def exit_status(q):
    shell(q)
    q.send("exit 7\r")
    q.expect(r"^init: the shell exited with status 7; starting it again$")
    q.expect(PROMPT)
    do(q, "exit 300", r"^sh: exit: 300: not a status \(0 to 255\)$")


@lab.test(20, "redirections_write_append_and_read_files", cpus=2)
def redirect(q):
    shell(q)
    do(q, "echo hello > /f")
    do(q, "echo more >> /f")
    do(q, "wc < /f", r"^\s*2\s+2\s+11$")
    do(q, "echo replaced > /f")
    do(q, "cat /f", r"^replaced$")
    do(q, "pwd > /p")
    do(q, "cat < /p", r"^/$")
    do(q, "wc < /nosuch", r"^sh: /nosuch: no such file or directory$")
    do(q, "echo x > /nosuch/f", r"^sh: /nosuch/f: no such file or directory$")
    q.expect_not(r"panic|kernel trap")


@lab.test(20, "pipes_join_programs", cpus=2)
def pipes(q):
    shell(q)
    do(q, "echo one two three | wc", r"^\s*1\s+3\s+14$")
    do(q, "ls /bin | grep ec | wc", r"^\s*[1-9]\d*\s+\d+\s+\d+$")
    do(q, "echo a > /f")
    do(q, "cat /f | cat | cat | wc", r"^\s*1\s+1\s+2$")      # four programs
    do(q, "cat < /f | wc > /g")
    do(q, "cat /g", r"^\s*1\s+1\s+2$")
    do(q, "nosuch | wc", r"^nosuch: program not found$", r"^\s*0\s+0\s+0$")
    q.expect_not(r"panic|kernel trap")


@lab.test(20, "a_crashed_or_killed_server_is_started_again", cpus=2)
def restart_shell(q):
    shell(q)
    do(q, "echo kept > /s")
    do(q, "sync")
    do(q, "crash console", r"^init: console server restarted \(pid \d+, restart 1\)$")
    do(q, "echo the console is back", r"^the console is back$")
    q.send("crashload 3 400 &\r")      # a writer, in the background
    q.expect(r"^SYNCED /crash/\S+ \d+")
    q.send("crash fs\r")
    seen = set()
    for _ in range(2):   # the writer's error and the restart, in either order
        m = q.expect(r"(init: fs server restarted \(pid \d+, restart 1\)|"
                     r"crashload: \S+ \S+: (the server died|stale))")
        seen.add(m.group(1).split()[0])
    assert_eq(sorted(seen), ["crashload:", "init:"], "what the fs crash brought")
    q.send("cat /s\r")     # typed perhaps before the prompt came back:
    q.expect(r"^(\$ )?kept$")   # its output may follow the prompt on one line
    q.expect(PROMPT)
    do(q, "kill blk", r"^init: blk server restarted \(pid \d+, restart 1\)$")
    do(q, "cat /s", r"^kept$")
    do(q, "crash", r"^console\s+\d+\s+up\s+1\s+1\s+0$", r"^blk\s+\d+\s+up\s+1\s+1\s+0$",
       r"^fs\s+\d+\s+up\s+1\s+1\s+0$")
    q.expect_not(r"panic|kernel trap")


@lab.test(15, "fs_restarted_10_times_under_load_synced_files_whole", cpus=2, timeout=90,
          append="run=restarttest fs 10")
def under_load(q):
    q.expect(r"^restarttest: fs: 10 recoveries")
    q.expect(r"^restarttest: fs OK")
    q.expect(r"^init: restarttest exited with status 0")


@lab.test(10, "a_server_that_keeps_dying_is_given_up_on", cpus=2, timeout=90,
          append="inject=fs:3 run=restarttest giveup")
def giveup(q):
    q.expect(r"^init: fs server died 5 times within 10 s: giving up on it")
    q.expect(r"^restarttest: giveup OK")
    q.expect(r"^init: restarttest exited with status 0")


lab.run()
