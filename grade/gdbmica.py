"""GDB commands for Mica, loaded by the .gdbinit that `make qemu-gdb` writes
(docs/gdb.md). They read the kernel's tables out of QEMU's memory through
the kernel's debug information, so they work at any stop, even with the
hart in user mode:

  mica-tasks             every task and thread: state, what it waits on, pc
  mica-vm TASK           a task's address space: its mappings and permissions
  mica-regs THREAD       a thread's saved registers and its user backtrace
  mica-trace [N]         the last N events of the IPC trace, decoded
  mica-waits             the kernel's own wait-for report (trace_waits), run
                         on the stopped hart; it prints on the console

TASK and THREAD are the IDs the kernel prints (decimal, or 0x... hex).
"""
import os
import re
import struct
import sys

import gdb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

KERNBASE = 0xffffffc000000000
PTE_V, PTE_R, PTE_W, PTE_X, PTE_U = 1, 2, 4, 8, 16
REG_NAMES = ["pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1",
             "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
             "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
             "t3", "t4", "t5", "t6"]


def enum_names(type_name):
    """{value: name} of a C enum in the kernel's debug information."""
    return {int(f.enumval): f.name for f in gdb.lookup_type(type_name).fields()}


def read_u64(addr):
    return struct.unpack("<Q", bytes(gdb.selected_inferior().read_memory(addr, 8)))[0]


def read_page(kva):
    return struct.unpack("<512Q", bytes(gdb.selected_inferior().read_memory(kva, 4096)))


def parse_id(arg, what):
    try:
        return int(arg.strip(), 0)
    except ValueError:
        raise gdb.GdbError(f"usage: a {what} ID (decimal, or 0x... hex), not {arg!r}")


def task_array():
    tasks = gdb.parse_and_eval("tasks")
    n = tasks.type.range()[1] + 1
    return [tasks[i] for i in range(n)]


def task_name(t):
    return bytes(int(t["name"][i]) for i in range(16)).split(b"\0")[0].decode(errors="replace")


def find_task(task_id):
    for t in task_array():
        if int(t["id"]) == task_id and str(t["state"]) != "TASK_FREE":
            return t
    raise gdb.GdbError(f"no task {task_id} (mica-tasks lists them)")


def find_thread(tid):
    t = find_task(tid // 8)
    th = t["threads"][tid % 8]
    if str(th["state"]) == "T_FREE":
        raise gdb.GdbError(f"thread {tid} of task {tid // 8} is not in use")
    return t, th


# ---- address spaces ----

def walk(root_kva, user_only=True):
    """Yield (va, pa, size, pte) for every leaf of the Sv39 tree at root_kva."""
    def level(kva, depth, base):
        ptes = read_page(kva)
        shift = 12 + 9 * (2 - depth)
        for i, pte in enumerate(ptes):
            if not pte & PTE_V:
                continue
            va = base | (i << shift)
            if depth == 0:
                if user_only and i >= 256:
                    continue
                if i >= 256:
                    va |= 0xffffff8000000000   # sign-extend bit 38
            pa = (pte >> 10) << 12
            if pte & (PTE_R | PTE_W | PTE_X):
                yield va, pa, 1 << shift, pte
            elif depth < 2:
                yield from level(pa + KERNBASE, depth + 1, va)
    yield from level(root_kva, 0, 0)


def perms(pte):
    return "".join(c if pte & bit else "-" for c, bit in
                   (("r", PTE_R), ("w", PTE_W), ("x", PTE_X), ("u", PTE_U)))


def translate(root_kva, va):
    """The kernel address of user address va in the tree at root_kva, or None."""
    kva = root_kva
    for depth in range(3):
        shift = 12 + 9 * (2 - depth)
        pte = read_u64(kva + 8 * ((va >> shift) & 511))
        if not pte & PTE_V:
            return None
        pa = (pte >> 10) << 12
        if pte & (PTE_R | PTE_W | PTE_X):
            return pa + (va & ((1 << shift) - 1)) + KERNBASE
        kva = pa + KERNBASE
    return None


# ---- symbols of user programs ----

def elf_symbols(path):
    """Sorted [(address, name)] of the function symbols of an ELF64 file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return []
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3a)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    syms = []
    for sec in sections:
        if sec[1] != 2:   # SHT_SYMTAB
            continue
        strtab = sections[sec[6]]
        for off in range(sec[4], sec[4] + sec[5], 24):
            name_off, info, _, _, value, _ = struct.unpack_from("<IBBHQQ", data, off)
            if info & 0xf == 2 or (info == 0x10 and value):   # STT_FUNC, or a global label
                end = data.index(b"\0", strtab[4] + name_off)
                syms.append((value, data[strtab[4] + name_off:end].decode()))
    return sorted(syms)


def program_symbols(name):
    for sub in ("build/user", "build/sbin"):
        syms = elf_symbols(os.path.join(ROOT, sub, name))
        if syms:
            return syms
    return []


def symbolize(syms, addr):
    best = None
    for value, name in syms:
        if value > addr:
            break
        best = (value, name)
    return f"{best[1]}+0x{addr - best[0]:x}" if best else "?"


# ---- the commands ----

def wait_text(th, names):
    state = str(th["state"])
    if state in ("T_SEND", "T_REPLY"):
        peer = int(th["ipc_peer"])
    elif state == "T_RECV":
        peer = int(th["regs"][5])   # t0: the receive filter
    else:
        return ""
    what = {"T_SEND": "sending to", "T_REPLY": "awaiting reply from",
            "T_RECV": "receiving from"}[state]
    who = f"{peer} ({names.get(peer, '?')})" if peer else "anyone"
    fault = f", page fault at 0x{int(th['fault'][0]):x}" if bool(th["faulting"]) else ""
    return f" {what} {who}{fault}"


class MicaTasks(gdb.Command):
    """mica-tasks: every task and thread, with its state and what it waits on."""

    def __init__(self):
        super().__init__("mica-tasks", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        live = [t for t in task_array() if str(t["state"]) != "TASK_FREE"]
        names = {int(t["id"]): task_name(t) for t in live}
        for t in live:
            parent = t["parent"]
            ppid = int(parent["id"]) if int(parent) else 0
            print(f"task {int(t['id'])} {task_name(t)} {str(t['state'])[5:].lower()}"
                  f" parent {ppid} kpages {int(t['kpages'])}/{int(t['kquota'])}")
            for j in range(8):
                th = t["threads"][j]
                state = str(th["state"])
                if state == "T_FREE":
                    continue
                where = ""
                if state == "T_RUNNING":
                    where = f" on hart {int(th['cpu']['index'])}"
                print(f"  thread {int(th['id'])} {state[2:].lower()}{where}"
                      f"{wait_text(th, names)} pc 0x{int(th['regs'][0]):x} prio {int(th['prio'])}")


class MicaVm(gdb.Command):
    """mica-vm TASK [all]: the mappings of a task's address space (user half;
    `all` adds the kernel's half), merged into runs of equal permissions."""

    def __init__(self):
        super().__init__("mica-vm", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        args = arg.split()
        if not args:
            raise gdb.GdbError("usage: mica-vm TASK [all]")
        t = find_task(parse_id(args[0], "task"))
        root = int(t["pagetable"])
        if not root:
            raise gdb.GdbError("the task has no page table any more")
        print(f"task {int(t['id'])} {task_name(t)}: satp 0x{int(t['satp']):x}")
        run = None
        count = 0

        def flush(r):
            if r:
                va, pa, size, pte = r
                print(f"  0x{va:016x}-0x{va + size:016x} -> pa 0x{pa:x}  {perms(pte)}"
                      f"  {size // 1024} KiB")

        for va, pa, size, pte in walk(root, user_only="all" not in args[1:]):
            count += 1
            flags = pte & 0x1f
            if run and run[0] + run[2] == va and run[1] + run[2] == pa and run[3] & 0x1f == flags:
                run = (run[0], run[1], run[2] + size, run[3])
                continue
            flush(run)
            run = (va, pa, size, pte)
        flush(run)
        print(f"  {count} leaf entries")


class MicaRegs(gdb.Command):
    """mica-regs THREAD: a thread's saved user registers and its backtrace,
    walked through the frame pointers in its own address space."""

    def __init__(self):
        super().__init__("mica-regs", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        t, th = find_thread(parse_id(arg, "thread"))
        regs = [int(th["regs"][i]) for i in range(32)]
        print(f"thread {int(th['id'])} of task {int(t['id'])} {task_name(t)}:"
              f" {str(th['state'])[2:].lower()}")
        for i in range(0, 32, 4):
            print("  " + "  ".join(f"{REG_NAMES[j]:>3} 0x{regs[j]:016x}" for j in range(i, i + 4)))
        syms = program_symbols(task_name(t))
        root = int(t["pagetable"])
        print("backtrace:")
        print(f"  #0 0x{regs[0]:x} {symbolize(syms, regs[0])}")
        # With frame pointers, a frame keeps ra at fp-8 and the caller's fp
        # at fp-16; a leaf function keeps only the caller's fp, at fp-8, and
        # its return address is still in ra.
        fp, depth = regs[8], 1
        first = translate(root, fp - 8) if fp and root else None
        if first is not None and fp <= read_u64(first) < fp + (1 << 20):
            print(f"  #1 0x{regs[1]:x} {symbolize(syms, regs[1] - 4)}")
            fp, depth = read_u64(first), 2
        while fp and depth < 32 and root:
            ra_at, fp_at = translate(root, fp - 8), translate(root, fp - 16)
            if ra_at is None or fp_at is None:
                break
            ra, fp = read_u64(ra_at), read_u64(fp_at)
            if not ra:
                break
            print(f"  #{depth} 0x{ra:x} {symbolize(syms, ra - 4)}")
            depth += 1
        if not syms:
            print(f"  (no symbols: build/user/{task_name(t)} or build/sbin/{task_name(t)} not found)")


def trace_dump_text():
    """The trace rings as the text of a TRACE_DUMP (include/mica/trace.h)."""
    try:
        ring = gdb.parse_and_eval("ring")
        recorded = gdb.parse_and_eval("recorded")
    except gdb.error:
        raise gdb.GdbError("this kernel has no trace (built with KTRACE=0?)")
    with open(os.path.join(ROOT, "include/mica/trace.h")) as f:
        per_hart = int(re.search(r"#define TRACE_EVENTS_PER_HART\s+(\d+)", f.read()).group(1))
    per_page = 4096 // 64   # 64-byte events in 4 KiB pages (trace.c)
    ncpu = int(gdb.parse_and_eval("ncpu"))
    timebase = int(gdb.parse_and_eval("timebase"))
    events = []
    for h in range(ncpu):
        n = int(recorded[h])
        for i in range(max(0, n - per_hart), n):
            k = i % per_hart
            page = ring[h][k // per_page]
            if not int(page):
                continue
            e = page[k % per_page]
            events.append((int(e["seq"]), h, e))
    events.sort(key=lambda x: x[0])
    lines = [f"trace: begin harts={ncpu} timebase={timebase} events={len(events)} lost=0"]
    for t in task_array():
        if str(t["state"]) != "TASK_FREE":
            lines.append(f"trace-task {int(t['id']):x} {task_name(t)}")
    for s, h, e in events:
        fields = [s, h, int(e["time"]), int(e["kind"]), int(e["op"]), int(e["src"]),
                  int(e["dst"]), int(e["label"]), int(e["w0"]), int(e["w1"]),
                  int(e["val"]) & (2 ** 64 - 1)]
        lines.append("T " + " ".join(f"{v:x}" for v in fields))
    lines.append("trace: end")
    return "\n".join(lines) + "\n"


class MicaTrace(gdb.Command):
    """mica-trace [N]: the last N (default 20) events of the IPC trace, read
    from the kernel's rings and decoded as grade/mtrace.py lists them."""

    def __init__(self):
        super().__init__("mica-trace", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        n = parse_id(arg, "count") if arg.strip() else 20
        text = trace_dump_text()
        import mtrace
        lines = mtrace.listing(mtrace.load(text)).splitlines()
        events = [line for line in lines if re.match(r"^\s+\d+\s", line)]
        for line in lines:
            if line not in events:
                print(line)   # the header: the tasks, the columns
        for line in events[-n:]:
            print(line)


class MicaWaits(gdb.Command):
    """mica-waits: run the kernel's trace_waits() on the stopped hart. Its
    report goes to the console (QEMU's output), and the number of deadlock
    cycles comes back here. Only this hart runs during the call (scheduler
    locking), and the kernel prints without its print lock meanwhile (as a
    panic does), since a stopped hart may hold it. If the hart stopped in
    user mode, it is put in S-mode on its kernel stack for the call, and
    restored after."""

    def __init__(self):
        super().__init__("mica-waits", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        frame = gdb.selected_frame()
        priv = int(frame.read_register("priv"))
        saved_sp = None
        if priv == 0:   # user mode: the kernel stack and S-mode for the call
            hart = gdb.selected_thread().num - 1
            stack = None
            for i in range(int(gdb.parse_and_eval("ncpu"))):
                if int(gdb.parse_and_eval(f"cpus[{i}].hartid")) == hart:
                    stack = int(gdb.parse_and_eval(f"cpus[{i}].stack_top"))
            if stack is None:
                raise gdb.GdbError("cannot find this hart's kernel stack")
            saved_sp = int(frame.read_register("sp"))
            gdb.execute("set $priv = 1")
            gdb.execute(f"set $sp = {stack - 8192}")
        panicking = int(gdb.parse_and_eval("panicking"))
        gdb.execute("set scheduler-locking on")
        gdb.execute("set var panicking = 1")
        try:
            cycles = int(gdb.parse_and_eval("trace_waits()"))
        finally:
            gdb.execute(f"set var panicking = {panicking}")
            gdb.execute("set scheduler-locking replay")
            if saved_sp is not None:
                gdb.execute(f"set $sp = {saved_sp}")
                gdb.execute("set $priv = 0")
        print(f"trace_waits: {cycles} cycle(s); the report is on the console")


MicaTasks()
MicaVm()
MicaRegs()
MicaTrace()
MicaWaits()
