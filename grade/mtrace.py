#!/usr/bin/env python3
"""mtrace: the kernel's IPC trace, from its console dump to a timeline, a
sequence diagram and a listing.

The kernel prints the trace (SYS_TRACE's TRACE_DUMP, the `trace` program,
the console's ^\\ key) in the format include/mica/trace.h describes:

    trace: begin harts=H timebase=HZ events=N lost=L
    trace-task ID NAME
    T seq hart time kind op src dst label w0 w1 val
    trace: end

This tool finds the last complete dump in a log (QEMU's console output,
other lines are ignored), matches each message with its receipt, and
writes

    trace.json  Chrome trace-event JSON: open it in ui.perfetto.dev or
                chrome://tracing (one process per task, one track per
                thread, blocked periods as slices, messages as arrows)
    trace.svg   a sequence diagram (tasks as lifelines, messages as arrows)
    trace.txt   one line per event, for people

Every name it prints is read from the tree's headers, never copied here:
the event kinds (TR_* of include/mica/trace.h), the labels (LABEL_* of
include/mica/syscall.h and each protocol's [X_FIRST, X_LAST] of
include/mica/proto/*.h), the errors (include/mica/errno.h), the IPC
operations (IPC_* of syscall.h) and the thread states (enum thread_state
of kernel/kernel.h). The tree is the directory above this script, or
$MICA_ROOT, or --root.

Command line:

    python3 grade/mtrace.py LOG [--out-dir DIR] [--json F] [--svg F]
        [--text F] [--tasks a,b,c] [--from SEQ] [--to SEQ]
        [--from-us US] [--to-us US] [--max-events N] [--index I] [--root DIR]

With no output named, the listing goes to standard output ("-" names
standard output too). --tasks, --from/--to (sequence numbers, inclusive)
and --from-us/--to-us (microseconds since the first event) choose the
events of every output; --max-events bounds the diagram's rows.

As a module (grade/ on sys.path):

    import mtrace
    t = mtrace.load("qemu.log")                 # a path, or the log's text
    for call in t.calls(sender="wc", receiver="fs", label="FS_READ"):
        print(call, "->", call.reply.result if call.reply else None)
        for m in t.nested(call):                # fs's calls to blk, its faults...
            print("   ", m)

load() returns a Trace: .events (Event, in sequence order), .messages()
(Message: a send matched with its receipt), .blocks (Block: a thread's
blocked periods), .tasks (task ID -> name); .calls(), .events_of(),
.select() and .nested() query it; listing(), chrome_trace() (with
chrome_json() for the text) and svg() render it. A log without a
complete dump, or an unreadable one, raises TraceError.

Matching: a SEND, CALL or FAULT of thread A goes with the next RECV whose
src is A and whose receiving thread is in the destination task; a REPLY
of A to thread C with the next RECV from A by C (a page fault's reply has
none: the thread simply runs again). A notification (TR_NOTIFY, TR_IRQ,
or a child's TR_EXIT for its parent) goes with the next notification
RECV in that task with one of its bits. A thread is blocked from its
TR_BLOCK (or TR_FAULT) to the next event it takes part in as itself.
"""
from __future__ import annotations

import argparse
import ast
import bisect
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

__all__ = [
    "TraceError", "Names", "load_names", "parse_c_header", "c_value", "RawDump",
    "find_dumps", "Event", "Message", "Block", "Trace", "load", "parse", "listing",
    "event_line", "chrome_trace", "chrome_json", "svg", "main",
]

TaskSpec = Union[None, int, str, Iterable[Union[int, str]]]


class TraceError(Exception):
    """Why a log or a tree cannot be read: no complete dump, an unreadable
    file, a header missing."""


def default_root() -> Path:
    """The tree: $MICA_ROOT if set (as gradelib), else the directory above
    this script."""
    env = os.environ.get("MICA_ROOT")
    return Path(env) if env else Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------
# Reading C headers: enums and #defines with integer values.

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_ITEM = re.compile(
    r"^[ \t]*#[ \t]*define[ \t]+(?P<dname>[A-Za-z_]\w*)(?P<dparams>\([^)]*\))?(?P<dbody>[^\n]*)"
    r"|\benum\b\s*(?P<ename>[A-Za-z_]\w*)?\s*\{(?P<ebody>[^}]*)\}",
    re.M)
_TOKEN = re.compile(
    r"\s*(?:(?P<num>0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*\b"
    r"|(?P<chr>'(?:\\x[0-9a-fA-F]+|\\[0-7]{1,3}|\\.|[^'\\])')"
    r"|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<op><<|>>|[-+*/%&|^~()]))")
_CHAR_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11,
                 "\\": 92, "'": 39, '"': 34, "?": 63}


def _c_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _shift_amount(b: int) -> int:
    if not 0 <= b <= 256:
        raise ValueError("shift out of range")
    return b


_BINOPS: dict[type, Callable[[int, int], int]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: _c_div,
    ast.Mod: lambda a, b: a - b * _c_div(a, b),
    ast.LShift: lambda a, b: a << _shift_amount(b),
    ast.RShift: lambda a, b: a >> _shift_amount(b),
    ast.BitOr: lambda a, b: a | b,
    ast.BitAnd: lambda a, b: a & b,
    ast.BitXor: lambda a, b: a ^ b,
}
_UNOPS: dict[type, Callable[[int], int]] = {
    ast.USub: lambda a: -a, ast.UAdd: lambda a: a, ast.Invert: lambda a: ~a,
}


def _ast_int(node: ast.AST) -> int:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNOPS:
        return _UNOPS[type(node.op)](_ast_int(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_ast_int(node.left), _ast_int(node.right))
    raise ValueError("not an integer constant expression")


def _char_value(lit: str) -> Optional[int]:
    body = lit[1:-1]
    if not body.startswith("\\"):
        return ord(body)
    if body[1] == "x":
        return int(body[2:], 16)
    if body[1:].isdigit():
        return int(body[1:], 8)
    return _CHAR_ESCAPES.get(body[1:])


def c_value(expr: str, env: dict[str, int]) -> Optional[int]:
    """The value of C integer constant expression `expr` (literals in any
    base with U/L suffixes, character constants, names in env, arithmetic,
    shifts and bitwise operators, parentheses), or None if it is anything
    else (a string, a cast, a macro call...)."""
    expr = expr.strip()
    parts: list[str] = []
    pos = 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            return None
        pos = m.end()
        if m["num"] is not None:
            s = m["num"]
            try:
                if s[:2] in ("0x", "0X"):
                    v = int(s, 16)
                elif len(s) > 1 and s[0] == "0":
                    v = int(s, 8)
                else:
                    v = int(s)
            except ValueError:
                return None
            parts.append(str(v))
        elif m["chr"] is not None:
            v = _char_value(m["chr"])
            if v is None:
                return None
            parts.append(str(v))
        elif m["name"] is not None:
            if m["name"] not in env:
                return None
            parts.append(f"({env[m['name']]})")
        else:
            parts.append("//" if m["op"] == "/" else m["op"])
    if not parts:
        return None
    try:
        return _ast_int(ast.parse(" ".join(parts), mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError):
        return None


def _split_commas(body: str) -> list[str]:
    out, depth, cur = [], 0, []
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


@dataclass
class CHeader:
    """What one C header defines with an integer value, in file order.

    enums: (tag or None, [(member, value or None)], position) per enum;
    defines: (name, value or None, position) per object-like #define;
    macros: name -> (parameters, body) per function-like #define.
    A position is an offset in the header (comments removed), to tell
    which definitions lie between two others."""
    path: Path
    enums: list[tuple[Optional[str], list[tuple[str, Optional[int]]], int]] = field(default_factory=list)
    defines: list[tuple[str, Optional[int], int]] = field(default_factory=list)
    macros: dict[str, tuple[list[str], str]] = field(default_factory=dict)

    def values(self) -> dict[str, int]:
        """Every name with a known value (enum members and #defines)."""
        out: dict[str, int] = {}
        for _tag, members, _pos in self.enums:
            out.update((n, v) for n, v in members if v is not None)
        out.update((n, v) for n, v, _pos in self.defines if v is not None)
        return out

    def enum(self, tag: Optional[str] = None, member: Optional[str] = None
             ) -> list[tuple[str, Optional[int]]]:
        """The members of the enum named tag, or of the one with `member`."""
        for t, members, _pos in self.enums:
            if (tag is not None and t == tag) or (member and any(n == member for n, _ in members)):
                return members
        return []


def parse_c_header(path: Union[str, Path], env: Optional[dict[str, int]] = None) -> CHeader:
    """Read the enums and #defines of C header `path`. Values may refer to
    names defined earlier in it or already in env; env gets its names."""
    path = Path(path)
    env = {} if env is None else env
    text = path.read_text(encoding="utf-8", errors="replace")
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n") or " ", text)
    text = text.replace("\\\n", " ")
    hdr = CHeader(path)
    for m in _ITEM.finditer(text):
        if m["dname"] is not None:
            name, body = m["dname"], m["dbody"]
            if m["dparams"] is not None:
                params = [p.strip() for p in m["dparams"][1:-1].split(",") if p.strip()]
                hdr.macros[name] = (params, body.strip())
                continue
            v = c_value(body, env) if body.strip() else None
            hdr.defines.append((name, v, m.start()))
            if v is not None:
                env[name] = v
            continue
        members: list[tuple[str, Optional[int]]] = []
        nxt: Optional[int] = 0
        for item in _split_commas(m["ebody"]):
            item = item.strip()
            if not item:
                continue
            name, eq, expr = item.partition("=")
            name = name.strip()
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                nxt = None
                continue
            v = c_value(expr, env) if eq else nxt
            members.append((name, v))
            if v is not None:
                env[name] = v
            nxt = None if v is None else v + 1
        hdr.enums.append((m["ename"], members, m.start()))
    return hdr


def _macro_value(hdr: CHeader, name: str, args: list[int], env: dict[str, int]) -> Optional[int]:
    """The value of function-like macro `name` applied to integer args."""
    if name not in hdr.macros:
        return None
    params, body = hdr.macros[name]
    if len(params) != len(args):
        return None
    for p, a in zip(params, args):
        body = re.sub(rf"\b{re.escape(p)}\b", str(a), body)
    return c_value(body, env)


# ---------------------------------------------------------------------------
# The names the tool prints, from the tree's headers.

@dataclass
class Names:
    """The names of the tree's headers (load_names reads them).

    kinds: TR_* value -> name without "TR_" ("SEND", "CALL", ...);
    labels: label value -> name ("FS_READ", "LABEL_NOTIFY"...), one per
    value; label_values: label name -> value; errnos: 2 -> "ENOENT";
    states: thread state -> name ("T_RECV"); ipc_ops: 1 -> "SEND" (IPC_*
    within IPC_OPMASK, without "IPC_"); ipc_flags: 8 -> "BULK_SEND";
    fault_bits: 1 -> "READ"; max_threads: TASK_MAX_THREADS; tid_mask:
    what SENDER_TID keeps of a sender word; notify_child_exit: the bit of
    NOTIFY_CHILD_EXIT; protocols: "FS" -> (FS_FIRST, FS_LAST)."""
    root: Path
    kinds: dict[int, str]
    labels: dict[int, str]
    label_values: dict[str, int]
    errnos: dict[int, str]
    states: dict[int, str]
    ipc_ops: dict[int, str]
    ipc_flags: dict[int, str]
    ipc_opmask: int
    fault_bits: dict[int, str]
    max_threads: int
    tid_mask: int
    notify_child_exit: Optional[int]
    label_notify: Optional[int]
    label_page_fault: Optional[int]
    protocols: dict[str, tuple[int, int]]

    def kind(self, k: int) -> str:
        return self.kinds.get(k, f"KIND{k}")

    def label(self, v: int) -> str:
        """A request's label by name, else in hex."""
        return self.labels.get(v, _word(v))

    def error(self, v: int) -> str:
        """A negative result as -ENAME (else the number)."""
        if v < 0 and -v in self.errnos:
            return "-" + self.errnos[-v]
        return str(v)

    def state(self, s: int) -> str:
        return self.states.get(s, f"state{s}")

    def ipc_op(self, op: int) -> str:
        """An IPC_* operation with its flags: "REPLY_RECV|BULK_RECV"."""
        if op == 0:
            return "-"
        parts = [self.ipc_ops.get(op & self.ipc_opmask, f"op{op & self.ipc_opmask}")]
        rest = op & ~self.ipc_opmask
        for bit, name in sorted(self.ipc_flags.items()):
            if rest & bit:
                parts.append(name)
                rest &= ~bit
        if rest:
            parts.append(hex(rest))
        return "|".join(parts)

    def fault(self, bits: int) -> str:
        names = [n for b, n in sorted(self.fault_bits.items()) if bits & b]
        return "|".join(names) if names else str(bits)


_names_cache: dict[tuple, Names] = {}

_LIMIT_SUFFIXES = ("_NKINDS", "_COUNT", "_MAX", "_NR")


def load_names(root: Union[None, str, Path] = None) -> Names:
    """Read the names of tree `root` (default_root() if None). Raises
    TraceError if include/mica/trace.h or include/mica/syscall.h is
    missing; the other headers only add names. Cached per tree until a
    header changes."""
    root = Path(root) if root is not None else default_root()
    root = root.resolve()
    files = [root / "include/mica/trace.h", root / "include/mica/syscall.h",
             root / "include/mica/errno.h", root / "kernel/kernel.h"]
    protos = sorted((root / "include/mica/proto").glob("*.h"))
    key_parts = [str(root)]
    for f in files + protos:
        try:
            key_parts.append(f"{f}:{f.stat().st_mtime_ns}")
        except OSError:
            key_parts.append(f"{f}:-")
    key = tuple(key_parts)
    if key not in _names_cache:
        _names_cache.clear()
        _names_cache[key] = _read_names(root, protos)
    return _names_cache[key]


def _read_names(root: Path, protos: list[Path]) -> Names:
    def header(rel: str, env: dict[str, int], required: bool) -> Optional[CHeader]:
        p = root / rel
        try:
            return parse_c_header(p, env)
        except OSError as e:
            if required:
                raise TraceError(f"cannot read {p}: {e.strerror or e} "
                                 f"(the tree's root is {root}; use --root)") from None
            return None

    env: dict[str, int] = {}
    errno_h = header("include/mica/errno.h", env, False)
    syscall = header("include/mica/syscall.h", env, True)
    trace_h = header("include/mica/trace.h", dict(env), True)
    kernel_h = header("kernel/kernel.h", dict(env), False)
    assert syscall is not None and trace_h is not None

    kinds: dict[int, str] = {}
    for _tag, members, _pos in trace_h.enums:
        if members and all(n.startswith("TR_") for n, _ in members):
            for n, v in members:
                if v is not None and not n.endswith(_LIMIT_SUFFIXES):
                    kinds.setdefault(v, n[3:])
    if not kinds:
        raise TraceError(f"{trace_h.path}: no enum of TR_* event kinds")

    errnos: dict[int, str] = {}
    if errno_h:
        for n, v, _pos in errno_h.defines:
            if v is not None and re.fullmatch(r"E[A-Z0-9]+", n):
                errnos.setdefault(v, n)

    states: dict[int, str] = {}
    if kernel_h:
        for n, v in kernel_h.enum(tag="thread_state"):
            if v is not None:
                states.setdefault(v, n)

    sv = syscall.values()
    opmask = sv.get("IPC_OPMASK", 0)
    ipc_ops: dict[int, str] = {}
    ipc_flags: dict[int, str] = {}
    members = syscall.enum(member="IPC_OPMASK") or [(n, v) for n, v in sv.items() if n.startswith("IPC_")]
    for n, v in members:
        if v is None or n == "IPC_OPMASK" or not n.startswith("IPC_"):
            continue
        if opmask and v & ~opmask == 0:
            ipc_ops.setdefault(v, n[4:])
        elif opmask and v & opmask == 0 and v & (v - 1) == 0:
            ipc_flags.setdefault(v, n[4:])
    fault_bits = {v: n[6:] for n, v, _pos in syscall.defines
                  if v is not None and n.startswith("FAULT_")}

    labels: dict[int, str] = {}
    label_values: dict[str, int] = {}
    for n, v in sv.items():
        if n.startswith("LABEL_"):
            labels.setdefault(v, n)
            label_values[n] = v

    protocols: dict[str, tuple[int, int]] = {}
    penv = dict(env)
    for p in protos:
        try:
            hdr = parse_c_header(p, penv)
        except OSError:
            continue
        _protocol_labels(hdr, labels, label_values, protocols)

    tid_mask = _macro_value(syscall, "SENDER_TID", [(1 << 64) - 1], env)
    return Names(
        root=root, kinds=kinds, labels=labels, label_values=label_values, errnos=errnos,
        states=states, ipc_ops=ipc_ops, ipc_flags=ipc_flags, ipc_opmask=opmask,
        fault_bits=fault_bits, max_threads=sv.get("TASK_MAX_THREADS") or 8,
        tid_mask=tid_mask if tid_mask and tid_mask > 0 else (1 << 40) - 1,
        notify_child_exit=sv.get("NOTIFY_CHILD_EXIT"),
        label_notify=sv.get("LABEL_NOTIFY"), label_page_fault=sv.get("LABEL_PAGE_FAULT"),
        protocols=protocols)


def _protocol_labels(hdr: CHeader, labels: dict[int, str], label_values: dict[str, int],
                     protocols: dict[str, tuple[int, int]]) -> None:
    """Add the labels of one protocol header: for each X_FIRST/X_LAST pair,
    the enum members whose value lies in [X_FIRST, X_LAST], and the
    #defines so valued written between the two."""
    pos: dict[str, int] = {}
    for _tag, members, p in hdr.enums:
        for n, _v in members:
            pos.setdefault(n, p)
    for n, _v, p in hdr.defines:
        pos.setdefault(n, p)
    values = hdr.values()
    for first_name, first in values.items():
        if not first_name.endswith("_FIRST"):
            continue
        prefix = first_name[:-len("_FIRST")]
        last = values.get(prefix + "_LAST")
        if last is None or last < first:
            continue
        protocols[prefix] = (first, last)
        lo, hi = sorted((pos[first_name], pos[prefix + "_LAST"]))
        found: list[tuple[str, int]] = []
        for _tag, members, _p in hdr.enums:
            found += [(n, v) for n, v in members if v is not None and first <= v <= last]
        found += [(n, v) for n, v, p in hdr.defines
                  if v is not None and first <= v <= last and lo <= p <= hi]
        proper = {v for n, v in found if not n.endswith(("_FIRST", "_LAST"))}
        for n, v in found:
            if n.endswith(("_FIRST", "_LAST")) and v in proper:
                continue   # a bound that names a label already named
            labels.setdefault(v, n)
            label_values.setdefault(n, v)


# ---------------------------------------------------------------------------
# Finding the dumps in a log.

_BEGIN = re.compile(r"trace: begin harts=(\d+) timebase=(\d+) events=(\d+) lost=(\d+)")
_TASKLINE = re.compile(r"(?:^|\s)trace-task ([0-9a-fA-F]+) (.*)$")
_EVLINE = re.compile(r"(?:^|[^\w])T((?: [0-9a-fA-F]+){11})$")
_END = re.compile(r"(?:^|\s)trace: end$")


@dataclass
class RawDump:
    """One complete dump as printed: the header's figures, the trace-task
    lines (ID -> name) and the 11 numbers of each T line."""
    harts: int
    timebase: int
    events: int
    lost: int
    tasks: dict[int, str]
    rows: list[tuple[int, ...]]
    first_line: int     # 1-based line of "trace: begin"
    last_line: int      # 1-based line of "trace: end"
    garbled: int        # lines inside the dump that look like events but do not parse


def find_dumps(text: str) -> list[RawDump]:
    """Every complete dump (begin ... end) of a log, in order. A dump cut
    short (a new begin, or the end of the log, before its end) is left out."""
    dumps: list[RawDump] = []
    cur: Optional[RawDump] = None
    for n, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r \t")
        b = _BEGIN.search(line)
        if b:
            cur = RawDump(int(b[1]), int(b[2]), int(b[3]), int(b[4]), {}, [], n, n, 0)
            continue
        if cur is None:
            continue
        m = _EVLINE.search(line)
        if m:
            cur.rows.append(tuple(int(x, 16) for x in m[1].split()))
            continue
        if _END.search(line):
            cur.last_line = n
            dumps.append(cur)
            cur = None
            continue
        t = _TASKLINE.search(line)
        if t:
            cur.tasks[int(t[1], 16)] = t[2].rstrip()
        elif line.lstrip().startswith("T "):
            cur.garbled += 1
    return dumps


# ---------------------------------------------------------------------------
# The trace: events, messages, blocked periods.

def _word(v: int) -> str:
    """A 64-bit word for people: small ones in decimal, negative ones
    signed, others in hex."""
    if v >= 1 << 63:
        s = v - (1 << 64)
        if s > -(1 << 20):
            return str(s)
    return str(v) if 0 <= v < 10 else hex(v)


def _signed(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


@dataclass(eq=False)
class Event:
    """One event of the dump, with what the trace resolved.

    The raw fields are the dump's (kind as its TR_ name without "TR_";
    val signed). thread/task: who acts (the receiver for RECV; None: the
    kernel). src_task/dst_task, src_thread/dst_thread: the tasks and
    threads of src and dst (thread None where the field names a task);
    src_name/dst_name: their task names ("kernel" for 0); src_text/
    dst_text: as the listing prints them ("sh(133).0", "fs(132)").
    label_name: the label by name, a reply's result ("= 0", "= -ENOENT"),
    "irq 8"...; message: the Message it sends or receives, if matched."""
    index: int
    seq: int
    hart: int
    time: int
    us: float
    kind: str
    op: int
    src: int
    dst: int
    label: int
    w0: int
    w1: int
    val: int
    op_name: str = ""
    thread: Optional[int] = None
    task: Optional[int] = None
    src_task: Optional[int] = None
    src_thread: Optional[int] = None
    dst_task: Optional[int] = None
    dst_thread: Optional[int] = None
    src_name: str = ""
    dst_name: str = ""
    src_text: str = ""
    dst_text: str = ""
    label_name: str = ""
    message: Optional["Message"] = None
    messages: list["Message"] = field(default_factory=list)   # a RECV of notifications: each

    def __repr__(self) -> str:
        return f"<Event {self.seq} {self.kind} {self.src_text}->{self.dst_text} {self.label_name}>"


@dataclass(eq=False)
class Message:
    """A message: the event that sent it matched with the TR_RECV that
    took it.

    kind: "SEND", "CALL", "REPLY", "FAULT" (a page fault, sent to the
    pager as if called), "NOTIFY", "IRQ" (an interrupt's notification) or
    "EXIT" (the kernel's NOTIFY_CHILD_EXIT to the parent). send: the
    sending event (for IRQ and EXIT, the kernel's event); recv: the RECV
    event, None if not taken in the trace. A page fault's reply is never
    received as a message (the thread simply runs again): its recv is
    None, delivered is the reply event itself. sender_thread is None for
    the kernel; receiver_thread is None until received. label: what the
    receiver gets in its label (LABEL_PAGE_FAULT, LABEL_NOTIFY, a reply's
    result); label_name: by name ("FS_READ", "= -ENOENT"). w0, w1: the
    first two words (a fault: address and FAULT_* bits; notifications:
    the bits). For a CALL or FAULT, reply is its REPLY; for a REPLY,
    request is the CALL or FAULT it answers. error: the -E... with which
    the kernel refused or ended it (TR_ERROR), else None."""
    kind: str
    send: Event
    sender_task: Optional[int]
    sender_thread: Optional[int]
    receiver_task: Optional[int]
    label: int
    label_name: str
    w0: int
    w1: int
    bulk: int = 0
    receiver_thread: Optional[int] = None
    recv: Optional[Event] = None
    delivered: Optional[Event] = None
    request: Optional["Message"] = None
    reply: Optional["Message"] = None
    error: Optional[int] = None
    sender_name: str = ""
    receiver_name: str = ""
    sender_text: str = ""
    receiver_text: str = ""

    @property
    def result(self) -> Optional[int]:
        """A reply's result: its label as a signed number."""
        return _signed(self.label) if self.kind == "REPLY" else None

    @property
    def seq(self) -> int:
        return self.send.seq

    @property
    def send_time(self) -> int:
        return self.send.time

    @property
    def recv_time(self) -> Optional[int]:
        return self.delivered.time if self.delivered else None

    @property
    def send_us(self) -> float:
        return self.send.us

    @property
    def recv_us(self) -> Optional[float]:
        return self.delivered.us if self.delivered else None

    def __str__(self) -> str:
        to = self.receiver_text
        s = f"{self.kind} {self.sender_text} -> {to} {self.label_name} (seq {self.seq}"
        if self.delivered:
            s += f", taken at {self.delivered.seq}"
        if self.error is not None:
            s += f", error {self.error}"
        return s + ")"

    __repr__ = __str__


@dataclass(eq=False)
class Block:
    """A blocked period of a thread: from start (its TR_BLOCK, TR_FAULT,
    or the receipt that turned a call's send into its wait for the reply)
    to end (the event that let it run, None if blocked at the end of the
    trace). state: "T_RECV", "T_SEND", "T_REPLY" (kernel names) or
    "FAULT" (waiting for its pager); on: the task waited on (None:
    anyone)."""
    thread: int
    task: int
    state: str
    on: Optional[int]
    start: Event
    end: Optional[Event] = None
    message: Optional[Message] = None


def _as_list(spec) -> list:
    if spec is None:
        return []
    if isinstance(spec, (str, int)):
        return [spec]
    return list(spec)


class Trace:
    """One dump, resolved. Attributes: harts, timebase (ticks per
    second), declared_events, lost (the dump's header), tasks (task ID ->
    name, from trace-task lines and TR_SPAWN), parents (task -> the task
    that created it, from TR_SPAWN), events, blocks, warnings, names."""

    def __init__(self, dump: RawDump, names: Names):
        self.names = names
        self.harts = dump.harts
        self.timebase = dump.timebase or 1
        self.declared_events = dump.events
        self.lost = dump.lost
        self.tasks: dict[int, str] = {}
        self.parents: dict[int, int] = {}
        self.events: list[Event] = []
        self.blocks: list[Block] = []
        self._messages: list[Message] = []
        self._by_sender: Optional[dict] = None
        self.warnings: list[str] = []
        self.us_decimals = max(0, min(3, math.ceil(math.log10(max(self.timebase, 1) / 1e6))))
        if dump.garbled:
            self.warnings.append(f"{dump.garbled} garbled event lines ignored")
        if len(dump.rows) != dump.events:
            self.warnings.append(f"the dump announces {dump.events} events, holds {len(dump.rows)}")
        if dump.lost:
            self.warnings.append(f"{dump.lost} older events were overwritten in the rings (lost)")
        self._build(dump)

    # -- names --

    def task_of(self, thread: int) -> int:
        return thread // self.names.max_threads

    def task_name(self, task: Optional[int]) -> str:
        """A task's name ("kernel" for 0 or None, "task<id>" if unknown)."""
        if not task:
            return "kernel"
        return self.tasks.get(task, f"task{task}")

    def task_text(self, task: Optional[int]) -> str:
        """"fs(132)"; "kernel" for 0."""
        return f"{self.task_name(task)}({task})" if task else "kernel"

    def thread_text(self, thread: Optional[int]) -> str:
        """"sh(133).0": task name, task ID, thread index; "kernel" for 0."""
        if not thread:
            return "kernel"
        t = self.task_of(thread)
        return f"{self.task_name(t)}({t}).{thread % self.names.max_threads}"

    def task_ids(self, name: str) -> list[int]:
        """The IDs of the tasks named `name` (several tasks may share one)."""
        return sorted(t for t, n in self.tasks.items() if n == name)

    def _task_match(self, spec: TaskSpec) -> Callable[[Optional[int]], bool]:
        """A test for task IDs: spec is a name, an ID, "name(id)", or a list."""
        items = _as_list(spec)
        if not items:
            return lambda t: True
        ids: set[Optional[int]] = set()
        names: set[str] = set()
        for it in items:
            if isinstance(it, int):
                ids.add(it)
                continue
            it = str(it).strip()
            m = re.fullmatch(r"(.*)\((\d+)\)", it)
            if m:
                ids.add(int(m[2]))
            elif re.fullmatch(r"\d+|0[xX][0-9a-fA-F]+", it):
                ids.add(int(it, 0))
            elif it == "kernel":
                ids.update((None, 0))
            else:
                names.add(it)
        return lambda t: t in ids or (bool(t) and self.tasks.get(t) in names)

    # -- building --

    def _build(self, dump: RawDump) -> None:
        nm = self.names
        rows = dump.rows
        t0 = rows[0][2] if rows else 0
        spawn_kind = [k for k, n in nm.kinds.items() if n == "SPAWN"]
        for r in rows:
            if r[3] in spawn_kind:
                raw = (r[8] & ((1 << 64) - 1)).to_bytes(8, "little") + \
                      (r[9] & ((1 << 64) - 1)).to_bytes(8, "little")
                name = raw.split(b"\0", 1)[0].decode("latin-1")
                self.tasks[r[6]] = "".join(c if c.isprintable() else "?" for c in name) or f"task{r[6]}"
        self.tasks.update(dump.tasks)

        seq_base, prev_seq = 0, None
        for i, r in enumerate(rows):
            seq, hart, time, kind, op, src, dst, label, w0, w1, val = r
            if prev_seq is not None and seq + seq_base < prev_seq - (1 << 31):
                seq_base += 1 << 32   # the 32-bit sequence number wrapped
            prev_seq = seq + seq_base
            e = Event(index=i, seq=seq + seq_base, hart=hart, time=time,
                      us=(time - t0) * 1e6 / self.timebase, kind=nm.kind(kind), op=op,
                      src=src, dst=dst, label=label, w0=w0, w1=w1, val=_signed(val))
            self._resolve(e)
            self.events.append(e)
        self._match()
        for e in self.events:
            self._label_name(e)

    def _resolve(self, e: Event) -> None:
        nm = self.names
        mask = nm.tid_mask
        k = e.kind
        thread_src = k in ("SEND", "CALL", "REPLY", "RECV", "BLOCK", "NOTIFY", "FAULT",
                           "TIMEOUT", "ERROR")
        if thread_src:
            e.src &= mask
            e.src_thread = e.src or None
            e.src_task = self.task_of(e.src) if e.src else None
        else:
            e.src_task = e.src or None
        if k in ("REPLY", "RECV"):
            e.dst &= mask
            e.dst_thread = e.dst or None
            e.dst_task = self.task_of(e.dst) if e.dst else None
        else:
            e.dst_task = e.dst or None
        if k == "RECV":
            e.thread, e.task = e.dst_thread, e.dst_task
        elif thread_src:
            e.thread, e.task = e.src_thread, e.src_task
        elif k in ("EXIT", "SPAWN"):
            e.task = e.src_task
        elif k == "IRQ":
            e.task = e.dst_task
        e.src_name, e.dst_name = self.task_name(e.src_task), self.task_name(e.dst_task)
        e.src_text = self.thread_text(e.src_thread) if e.src_thread else self.task_text(e.src_task)
        e.dst_text = self.thread_text(e.dst_thread) if e.dst_thread else self.task_text(e.dst_task)
        if k in ("BLOCK", "TIMEOUT"):
            e.op_name = nm.state(e.op)
        elif k in ("SEND", "CALL", "REPLY", "ERROR"):
            e.op_name = nm.ipc_op(e.op)

    def _new_message(self, kind: str, e: Event, sender_thread: Optional[int],
                     sender_task: Optional[int], receiver_task: Optional[int], label: int,
                     w0: int, w1: int, bulk: int = 0, receiver_thread: Optional[int] = None
                     ) -> Message:
        m = Message(kind=kind, send=e, sender_task=sender_task, sender_thread=sender_thread,
                    receiver_task=receiver_task, receiver_thread=receiver_thread, label=label,
                    label_name="", w0=w0, w1=w1, bulk=bulk)
        m.sender_name = self.task_name(sender_task)
        m.sender_text = self.thread_text(sender_thread) if sender_thread else self.task_text(sender_task)
        self._set_receiver(m, receiver_thread)
        if kind == "REPLY":
            m.label_name = "= " + self.names.error(_signed(label))
        elif kind in ("SEND", "CALL"):
            m.label_name = self.names.label(label)
        else:
            m.label_name = self.names.labels.get(label, kind.lower())
        if e.message is None:
            e.message = m
        self._messages.append(m)
        return m

    def _set_receiver(self, m: Message, thread: Optional[int]) -> None:
        m.receiver_thread = thread
        if thread:
            m.receiver_task = self.task_of(thread)
        m.receiver_name = self.task_name(m.receiver_task)
        m.receiver_text = self.thread_text(thread) if thread else self.task_text(m.receiver_task)

    def _match(self) -> None:
        nm = self.names
        pending: dict[int, list[Message]] = {}        # thread -> its messages not yet taken
        awaiting: dict[int, Message] = {}             # thread -> its call or fault awaiting a reply
        faulting: dict[int, Message] = {}             # thread -> its unanswered page fault
        notes: dict[int, list[Message]] = {}          # task -> notifications not yet taken
        last_sent: dict[int, Message] = {}            # thread -> its last SEND or CALL
        last_reply: dict[int, Message] = {}           # thread -> its last REPLY
        open_blocks: dict[int, Block] = {}

        def end_block(th: Optional[int], e: Event) -> None:
            b = open_blocks.pop(th, None) if th else None
            if b:
                b.end = e

        def start_block(th: int, state: str, on: Optional[int], e: Event,
                        m: Optional[Message] = None) -> None:
            end_block(th, e)
            b = Block(thread=th, task=self.task_of(th), state=state, on=on, start=e, message=m)
            open_blocks[th] = b
            self.blocks.append(b)

        def drop(m: Message) -> None:
            lst = pending.get(m.sender_thread or 0, [])
            if m in lst:
                lst.remove(m)

        for e in self.events:
            k, th = e.kind, e.thread
            if th and not (k == "TIMEOUT" and th in faulting):
                end_block(th, e)
            if k in ("SEND", "CALL"):
                for old in [m for m in pending.get(th, []) if m.kind in ("SEND", "CALL")]:
                    drop(old)   # a thread has one send at a time: that one failed unseen
                m = self._new_message(k, e, th, e.task, e.dst_task, e.label, e.w0, e.w1, max(e.val, 0))
                pending.setdefault(th, []).append(m)
                last_sent[th] = m
                if k == "CALL":
                    awaiting[th] = m
            elif k == "FAULT":
                m = self._new_message(k, e, th, e.task, e.dst_task, nm.label_page_fault or 0,
                                      e.w0, e.w1)
                pending.setdefault(th, []).append(m)
                awaiting[th] = faulting[th] = m
                start_block(th, "FAULT", e.dst_task, e, m)
            elif k == "REPLY":
                m = self._new_message(k, e, th, e.task, e.dst_task, e.label, e.w0, e.w1,
                                      max(e.val, 0), receiver_thread=e.dst_thread)
                last_reply[th] = m
                req = awaiting.get(e.dst)
                if req and req.receiver_task in (e.task, None):
                    req.reply, m.request = m, req
                    del awaiting[e.dst]
                fault = faulting.get(e.dst)
                if fault and fault is req:
                    m.delivered = e   # the faulting thread runs again: no RECV
                    del faulting[e.dst]
                    end_block(e.dst, e)
                else:
                    lst = pending.setdefault(th, [])
                    for old in [x for x in lst if x.kind == "REPLY" and x.receiver_thread == e.dst]:
                        lst.remove(old)
                    lst.append(m)
            elif k == "RECV":
                if not e.src:
                    self._take_notes(e, notes.get(e.task or 0, []))
                    continue
                lst = pending.get(e.src, [])
                m = next((x for x in lst if (x.receiver_thread == th if x.kind == "REPLY"
                                             else x.receiver_task == e.task)), None)
                if m is None:
                    continue   # sent before the trace began, or lost
                lst.remove(m)
                m.recv = m.delivered = e
                e.message = m
                e.messages.append(m)
                if m.kind != "REPLY":
                    self._set_receiver(m, th)
                b = open_blocks.get(e.src)
                if b and b.state == "T_SEND":   # the sender waited for a receiver
                    end_block(e.src, e)
                    if m.kind == "CALL":   # taken: the caller now waits for the reply
                        start_block(e.src, "T_REPLY", e.task, e)
            elif k == "BLOCK":
                if th:
                    start_block(th, e.op_name, e.dst_task, e)
            elif k == "NOTIFY":
                m = self._new_message(k, e, th, e.task, e.dst_task, nm.label_notify or 0, e.w0, 0)
                notes.setdefault(e.dst_task or 0, []).append(m)
            elif k == "IRQ":
                bits = 1 << e.w0 if e.w0 < 64 else 0
                m = self._new_message(k, e, None, None, e.dst_task, nm.label_notify or 0, bits, 0)
                notes.setdefault(e.dst_task or 0, []).append(m)
            elif k == "EXIT":
                task = e.task
                for t in [t for t in open_blocks if self.task_of(t) == task]:
                    end_block(t, e)
                for t in [t for t in awaiting if self.task_of(t) == task]:
                    del awaiting[t]
                for t in [t for t in faulting if self.task_of(t) == task]:
                    del faulting[t]
                parent = self.parents.get(task or 0)
                if parent and nm.notify_child_exit:
                    m = self._new_message(k, e, None, task, parent, nm.label_notify or 0,
                                          nm.notify_child_exit, 0)
                    notes.setdefault(parent, []).append(m)
            elif k == "SPAWN":
                if e.src_task and e.dst_task:
                    self.parents[e.dst_task] = e.src_task
            elif k == "ERROR" and th:
                op = e.op & nm.ipc_opmask
                opname = nm.ipc_ops.get(op, "")
                if opname == "REPLY":
                    m = last_reply.pop(th, None)
                    if m and m.delivered is None:
                        m.error = e.val
                        drop(m)
                        if m.request:   # the caller still waits
                            awaiting.setdefault(m.request.sender_thread or 0, m.request)
                            m.request.reply, m.request = None, None
                elif opname in ("SEND", "CALL") or op == 0:
                    m = last_sent.get(th)
                    if m and m.recv is None and m in pending.get(th, []):
                        m.error = e.val
                        drop(m)
                        awaiting.pop(th, None)
                    elif op == 0 and th in awaiting and awaiting[th].kind == "CALL":
                        awaiting.pop(th).error = e.val
        self._messages.sort(key=lambda m: m.send.index)

    def _take_notes(self, e: Event, waiting: list[Message]) -> None:
        """A RECV of notification bits e.w0: it takes each waiting
        notification with one of those bits."""
        taken = [m for m in waiting if m.w0 & e.w0]
        for m in taken:
            waiting.remove(m)
            m.recv = m.delivered = e
            self._set_receiver(m, e.thread)
            e.messages.append(m)
        if taken:
            e.message = taken[0]

    def _label_name(self, e: Event) -> None:
        nm, k, m = self.names, e.kind, e.message
        if k in ("SEND", "CALL"):
            e.label_name = nm.label(e.label)
        elif k == "REPLY":
            e.label_name = "= " + nm.error(_signed(e.label))
        elif k == "FAULT":
            e.label_name = nm.labels.get(nm.label_page_fault or -1, "PAGE_FAULT")
        elif k == "RECV":
            if m is not None and m.kind == "REPLY":
                e.label_name = "= " + nm.error(_signed(e.label))
            elif e.label in nm.labels:
                e.label_name = nm.labels[e.label]
            elif e.label >= 1 << 63:
                e.label_name = "= " + nm.error(_signed(e.label))
            else:
                e.label_name = _word(e.label)
        elif k == "NOTIFY":
            e.label_name = nm.labels.get(nm.label_notify or -1, "notify")
        elif k == "IRQ":
            e.label_name = f"irq {e.label}"
        elif k in ("BLOCK", "TIMEOUT"):
            e.label_name = e.op_name
        elif k == "ERROR":
            e.label_name = nm.error(e.val)
        elif k == "EXIT":
            e.label_name = f"exit {e.val}"
        elif k == "SPAWN":
            e.label_name = "spawn"
        else:
            e.label_name = _word(e.label)

    # -- queries --

    def messages(self, kind: Union[None, str, Iterable[str]] = None, sender: TaskSpec = None,
                 receiver: TaskSpec = None, label: Union[None, str, int] = None) -> list[Message]:
        """The messages, in the order they were sent, optionally only those
        of kind(s) ("CALL", "REPLY", ...), from sender task(s) to receiver
        task(s) (a name, an ID, "name(id)", or a list of them) with `label`
        (a name or a value; for a REPLY, the label of the call it answers)."""
        kinds = set(_as_list(kind))
        is_sender, is_receiver = self._task_match(sender), self._task_match(receiver)
        out = []
        for m in self._messages:
            if kinds and m.kind not in kinds:
                continue
            if not is_sender(m.sender_task) or not is_receiver(m.receiver_task):
                continue
            if label is not None:
                lm = m.request if m.kind == "REPLY" and m.request else m
                if lm.kind == "REPLY":
                    continue
                if isinstance(label, int):
                    if lm.label != label:
                        continue
                elif lm.label_name != label:
                    continue
            out.append(m)
        return out

    def calls(self, sender: TaskSpec = None, receiver: TaskSpec = None,
              label: Union[None, str, int] = None) -> list[Message]:
        """The CALL messages (see messages())."""
        return self.messages("CALL", sender, receiver, label)

    def events_of(self, task: TaskSpec = None, kind: Union[None, str, Iterable[str]] = None,
                  label: Union[None, str, int] = None) -> list[Event]:
        """The events task(s) take part in (acting, or as src or dst),
        optionally only of kind(s), with label (name or value)."""
        is_task = self._task_match(task)
        kinds = set(_as_list(kind))
        out = []
        for e in self.events:
            if kinds and e.kind not in kinds:
                continue
            if task is not None and not (is_task(e.task) or is_task(e.src_task) or is_task(e.dst_task)):
                continue
            if label is not None and (e.label != label if isinstance(label, int) else e.label_name != label):
                continue
            out.append(e)
        return out

    def nested(self, request: Message, deep: bool = True) -> list[Message]:
        """The messages exchanged while `request` (a CALL or a FAULT) was
        served: those sent by the serving thread (the one that took it, and
        the one that replied) between taking it and replying (to the end of
        the trace if it never replied), with the replies to them (not the
        replies it sent to other clients meanwhile), and with
        deep, what was exchanged while those were served in turn. In send
        order, without the request and its reply."""
        found: dict[int, Message] = {}
        self._nested(request, deep, found, set())
        found.pop(id(request), None)
        if request.reply is not None:
            found.pop(id(request.reply), None)
        return sorted(found.values(), key=lambda m: m.send.index)

    def _nested(self, req: Message, deep: bool, found: dict[int, Message], seen: set[int]) -> None:
        if id(req) in seen or req.recv is None:
            return
        seen.add(id(req))
        servers = {req.recv.thread}
        if req.reply is not None:
            servers.add(req.reply.sender_thread)
        lo = req.recv.index
        hi = req.reply.send.index if req.reply is not None else len(self.events)
        for th in servers:
            sent, at = self._sent_by().get(th, ([], []))
            for m in sent[bisect.bisect_right(at, lo):bisect.bisect_left(at, hi)]:
                if m.kind == "REPLY":
                    continue   # (a server's replies in between answer other requests)
                found[id(m)] = m
                if m.reply is not None:
                    found[id(m.reply)] = m.reply
                if deep and m.kind in ("CALL", "FAULT"):
                    self._nested(m, deep, found, seen)

    def _sent_by(self) -> dict[Optional[int], tuple[list[Message], list[int]]]:
        """thread -> (the messages it sent, their send events' indices), in order."""
        if self._by_sender is None:
            self._by_sender = {}
            for m in self._messages:
                sent, at = self._by_sender.setdefault(m.sender_thread, ([], []))
                sent.append(m)
                at.append(m.send.index)
        return self._by_sender

    def select(self, first: Optional[int] = None, last: Optional[int] = None,
               from_us: Optional[float] = None, to_us: Optional[float] = None,
               tasks: TaskSpec = None) -> list[Event]:
        """The events with seq in [first, last] and time in [from_us, to_us]
        (microseconds since the first event), in which one of `tasks` takes
        part (all if None)."""
        is_task = self._task_match(tasks)
        out = []
        for e in self.events:
            if (first is not None and e.seq < first) or (last is not None and e.seq > last):
                continue
            if (from_us is not None and e.us < from_us) or (to_us is not None and e.us > to_us):
                continue
            if tasks is not None and _as_list(tasks) and not (
                    is_task(e.task) or is_task(e.src_task) or is_task(e.dst_task)):
                continue
            out.append(e)
        return out

    def summary(self) -> str:
        """One line: the dump's figures."""
        return (f"{len(self.events)} events, {len(self._messages)} messages, {self.harts} harts, "
                f"timebase {self.timebase} Hz, {self.lost} lost")


def parse(text: str, index: int = -1, root: Union[None, str, Path] = None) -> Trace:
    """The dump number `index` (default the last) among the complete dumps
    of log text `text`. Raises TraceError if there is none."""
    dumps = find_dumps(text)
    if not dumps:
        raise TraceError("no complete trace dump in the log "
                         "(no 'trace: begin' ... 'trace: end' lines)")
    try:
        dump = dumps[index]
    except IndexError:
        raise TraceError(f"no dump {index}: the log holds {len(dumps)} complete "
                         f"dump{'s' if len(dumps) != 1 else ''}") from None
    return Trace(dump, load_names(root))


def load(source: Union[str, bytes, os.PathLike], index: int = -1,
         root: Union[None, str, Path] = None) -> Trace:
    """A Trace from a log: a path (str or Path), or the log's text (a str
    holding a newline, or bytes). index chooses among its complete dumps
    (default the last); root is the tree whose headers give the names.
    Raises TraceError for an unreadable file or a log without a dump."""
    if isinstance(source, bytes):
        return parse(source.decode("utf-8", errors="replace"), index, root)
    if isinstance(source, str) and ("\n" in source or "trace: begin" in source):
        return parse(source, index, root)
    try:
        text = Path(source).read_bytes().decode("utf-8", errors="replace")
    except OSError as e:
        raise TraceError(f"cannot read {source}: {e.strerror or e}") from None
    try:
        return parse(text, index, root)
    except TraceError as e:
        if "no complete" in str(e) or "no dump" in str(e):
            raise TraceError(f"{source}: {e}") from None
        raise


# ---------------------------------------------------------------------------
# (c) The listing.

def _event_parts(t: Trace, e: Event) -> tuple[str, str, str, str]:
    """(who, label, words, note) of an event, as the listing prints them."""
    k, m, nm = e.kind, e.message, t.names
    words = f"{_word(e.w0)} {_word(e.w1)}"
    notes = []
    who = f"{e.src_text} -> {e.dst_text}"
    if k in ("SEND", "CALL", "REPLY"):
        if e.val:
            notes.append(f"bulk {e.val}")
        if m is not None and m.delivered is not None and m.delivered is not e:
            notes.append(f"taken at {m.delivered.seq}")
        if k == "CALL" and m is not None and m.reply is not None:
            notes.append(f"reply at {m.reply.send.seq}")
        if k == "REPLY" and m is not None and m.request is not None:
            notes.append(f"answers {m.request.send.seq}")
            if m.request.kind == "FAULT":
                notes.append("page fault handled")
        if m is not None and m.error is not None:
            notes.append(f"failed {nm.error(m.error)}")
    elif k == "RECV":
        if e.val:
            notes.append(f"bulk {e.val}")
        for x in e.messages:
            notes.append(f"{x.kind.lower()} sent at {x.send.seq}")
    elif k == "BLOCK":
        who = e.src_text
        words = f"on {t.task_text(e.dst_task)}" if e.dst_task else "on anyone"
    elif k == "FAULT":
        words = f"{_word(e.w0)} {nm.fault(e.w1)}"
        notes.append(f"pc {_word(e.val & ((1 << 64) - 1))}")
        if m is not None and m.reply is not None:
            notes.append(f"answered at {m.reply.send.seq}")
    elif k == "NOTIFY":
        words = f"bits {_word(e.w0)}"
    elif k == "IRQ":
        who = f"kernel -> {e.dst_text}"
        words = f"bit {e.w0}"
    elif k == "TIMEOUT":
        who, words = e.src_text, ""
    elif k == "ERROR":
        who, words = e.src_text, e.op_name
    elif k == "EXIT":
        who, words = e.src_text, ""
    elif k == "SPAWN":
        words = t.task_name(e.dst_task)
    return who, e.label_name, words, "; ".join(notes)


def event_line(t: Trace, e: Event) -> str:
    """The listing's line for one event."""
    who, label, words, note = _event_parts(t, e)
    return (f"{e.seq:>6} {e.us:>12.{t.us_decimals}f} {e.hart:>2} {e.kind:<7} {who:<30} "
            f"{label:<16} {words:<22} {note}").rstrip()


def listing(t: Trace, events: Optional[list[Event]] = None, **window) -> str:
    """The text listing: a header, then one line per event (of `events`,
    or of t.select(**window))."""
    evs = events if events is not None else t.select(**window)
    lines = [f"# Mica IPC trace: {t.summary()}"]
    if t.events:
        lines.append(f"# time: microseconds since the first event (time CSR {t.events[0].time:#x})")
    lines.append("# tasks: " + ", ".join(f"{t.task_name(i)}({i})" for i in sorted(t.tasks)))
    lines += [f"# warning: {w}" for w in t.warnings]
    if len(evs) != len(t.events):
        lines.append(f"# showing {len(evs)} of {len(t.events)} events")
    lines.append(f"{'seq':>6} {'time us':>12} {'h':>2} {'kind':<7} {'sender -> receiver':<30} "
                 f"{'label':<16} {'words':<22} notes")
    lines += [event_line(t, e) for e in evs]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# (a) Chrome trace-event JSON.

_STEP_NS = 16          # the least time between two events on the timeline
_POINT_NS = 1000       # the longest an event's own slice lasts
# An arrow's end lies in the middle of its event's slice, at least 2 ns
# from either edge: viewers bind it to the slice around it, and Perfetto
# truncates microseconds to whole nanoseconds.
_TASK_TRACK = 1 << 30  # tid of a task's track for the kernel's events about it: this + task ID


def _timeline(t: Trace) -> list[int]:
    """Each event's time in ns since the first, made strictly increasing
    in sequence order (harts' clocks may disagree by a tick; ties would
    tangle slices)."""
    out: list[int] = []
    t0 = t.events[0].time if t.events else 0
    for e in t.events:
        ns = (e.time - t0) * 10**9 // t.timebase
        if out and ns < out[-1] + _STEP_NS:
            ns = out[-1] + _STEP_NS
        out.append(ns)
    return out


def _us(ns: float) -> float:
    return round(ns / 1000, 3)


def _json_int(v: int) -> Union[int, str]:
    return v if abs(v) < 1 << 53 else hex(v)


def chrome_trace(t: Trace, events: Optional[list[Event]] = None, **window) -> dict:
    """The trace in Chrome's trace-event format (a dict for json.dump):
    one process per task (pid = task ID), one track per thread (tid =
    thread ID) and one for the kernel's events about the task; a short
    slice per event, a slice per blocked period, and a flow arrow from
    each message's send to its receipt. Of `events` or t.select(**window)."""
    evs = events if events is not None else t.select(**window)
    chosen = {e.index for e in evs}
    ns = _timeline(t)
    tracks: dict[tuple[int, int], list[dict]] = {}
    points: dict[int, dict] = {}    # event index -> its slice
    out: list[dict] = []

    def track_of(e: Event) -> Optional[tuple[int, int]]:
        if e.thread:
            return (t.task_of(e.thread), e.thread)
        if e.task:
            return (e.task, _TASK_TRACK + e.task)
        return None

    def add(key: tuple[int, int], sl: dict) -> dict:
        sl["pid"], sl["tid"] = key
        tracks.setdefault(key, []).append(sl)
        return sl

    for e in evs:
        if e.kind == "BLOCK":
            continue
        key = track_of(e)
        if key is None:
            continue
        who, label, words, note = _event_parts(t, e)
        args = {"seq": e.seq, "hart": e.hart, "time": _json_int(e.time), "kind": e.kind,
                "who": who, "label": label, "words": words, "op": e.op_name or e.op,
                "src": _json_int(e.src), "dst": _json_int(e.dst), "w0": hex(e.w0),
                "w1": hex(e.w1), "val": _json_int(e.val)}
        if note:
            args["notes"] = note
        name = f"{e.kind} {label}".strip()
        points[e.index] = add(key, {"name": name, "cat": e.kind.lower(), "ph": "X",
                                    "start": ns[e.index], "args": args})

    resumed: dict[int, dict] = {}   # page-fault reply event index -> the faulter's slice
    for m in t.messages("REPLY"):
        if (m.request is not None and m.request.kind == "FAULT" and m.delivered is m.send
                and m.send.index in chosen and m.receiver_thread):
            key = (t.task_of(m.receiver_thread), m.receiver_thread)
            resumed[m.send.index] = add(key, {
                "name": "resumed", "cat": "fault", "ph": "X", "start": ns[m.send.index],
                "args": {"seq": m.send.seq, "why": f"{m.sender_text} answered its page fault "
                                                   f"({m.label_name})"}})

    for b in t.blocks:
        if b.start.index not in chosen and not (b.end is not None and b.end.index in chosen):
            continue
        start = ns[b.start.index]
        end = (ns[b.end.index] if b.end is not None else ns[-1] + _STEP_NS) - 1
        if b.state == "FAULT":   # after the fault's own slice
            start += max(_STEP_NS // 2, min(_POINT_NS // 4, (end - start) // 3))
        on = t.task_text(b.on) if b.on else "anyone"
        add((b.task, b.thread), {
            "name": f"blocked {b.state}" if b.state != "FAULT" else "page fault",
            "cat": "blocked", "ph": "X", "start": start, "dur": max(1, end - start),
            "args": {"state": b.state, "on": on, "from seq": b.start.seq,
                     "until seq": b.end.seq if b.end is not None else "end of trace"}})

    for key, items in tracks.items():
        bounds = sorted({s["start"] for s in items} |
                        {s["start"] + s["dur"] for s in items if "dur" in s})
        for s in items:
            if "dur" not in s:
                i = bisect.bisect_right(bounds, s["start"])
                room = bounds[i] - s["start"] - 1 if i < len(bounds) else _POINT_NS
                s["dur"] = max(1, min(_POINT_NS, room))

    flow_id = 0
    for m in t.messages():
        src = points.get(m.send.index)
        if src is None:
            continue
        if m.recv is not None:
            dst = points.get(m.recv.index)
        else:
            dst = resumed.get(m.send.index) if m.delivered is m.send else None
        if dst is None:
            continue
        flow_id += 1
        name = m.label_name if m.kind != "REPLY" else f"reply {m.label_name}"
        for ph, sl in (("s", src), ("f", dst)):
            fe = {"name": name, "cat": "msg", "ph": ph, "id": flow_id, "pid": sl["pid"],
                  "tid": sl["tid"], "ts": _us(sl["start"] + sl["dur"] // 2)}
            if ph == "f":
                fe["bp"] = "e"
            out.append(fe)

    meta: list[dict] = []
    for pid in sorted({k[0] for k in tracks}):
        tid = min(k[1] for k in tracks if k[0] == pid)   # (Perfetto takes tid = pid if none)
        meta.append({"name": "process_name", "ph": "M", "pid": pid, "tid": tid,
                     "args": {"name": f"{t.task_name(pid)} ({pid})"}})
        meta.append({"name": "process_sort_index", "ph": "M", "pid": pid, "tid": tid,
                     "args": {"sort_index": pid}})
    for pid, tid in sorted(tracks):
        if tid >= _TASK_TRACK:
            tname, order = f"{t.task_name(pid)}: kernel events", -1
        else:
            tname, order = t.thread_text(tid), tid % t.names.max_threads
        meta.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
                     "args": {"name": tname}})
        meta.append({"name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid,
                     "args": {"sort_index": order}})

    slices = []
    for items in tracks.values():
        for s in items:
            s["ts"], s["dur"] = _us(s.pop("start")), _us(s["dur"])
            slices.append(s)
    slices.sort(key=lambda s: (s["ts"], -s["dur"]))
    # No "displayTimeUnit": the format says ts is always in microseconds and
    # the key only chooses how times are shown, but Perfetto's importer
    # takes "ns" there as the unit of ts, so the two viewers would disagree
    # by a factor of 1000. otherData goes last: importers skip what follows
    # traceEvents.
    return {
        "traceEvents": meta + slices + out,
        "otherData": {"source": "Mica IPC trace (grade/mtrace.py)", "harts": t.harts,
                      "timebase": t.timebase, "events": len(t.events), "lost": t.lost},
    }


def chrome_json(doc: dict) -> str:
    """chrome_trace()'s dict as JSON text, one trace event per line."""
    head = {k: v for k, v in doc.items() if k != "traceEvents"}
    lines = [json.dumps(e, separators=(",", ":")) for e in doc["traceEvents"]]
    body = ",\n".join(lines)
    rest = "".join(f",\n{json.dumps(k)}: {json.dumps(v)}" for k, v in head.items())
    return f'{{"traceEvents": [\n{body}\n]{rest}\n}}\n'


# ---------------------------------------------------------------------------
# (b) The SVG sequence diagram.

_ROW = 18
_COLW = 150
_LEFT = 150
_TOP = 86
_STYLE = {   # kind -> (colour, dash pattern or "", legend)
    "CALL": ("#1f5fbf", "", "call / send"),
    "SEND": ("#1f5fbf", "", None),
    "REPLY": ("#555555", "6,3", "reply (dashed)"),
    "FAULT": ("#d9480f", "", "page fault to the pager"),
    "FAULTREPLY": ("#d9480f", "6,3", "pager's answer"),
    "NOTIFY": ("#8031a7", "2,3", "notification / interrupt"),
    "IRQ": ("#8031a7", "2,3", None),
    "EXIT": ("#8031a7", "2,3", None),
    "SPAWN": ("#2b8a3e", "4,2", "task created"),
}
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(s: object) -> str:
    """Text for XML: escaped, without the characters XML forbids."""
    s = _XML_BAD.sub("?", str(s))
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[:max(1, n - 1)] + "\u2026"


def _arrow_label(t: Trace, m: Message) -> str:
    k = m.kind
    if k in ("SEND", "CALL"):
        s = f"{m.label_name}({_word(m.w0)}, {_word(m.w1)})"
    elif k == "REPLY":
        s = m.label_name
    elif k == "FAULT":
        s = f"fault {_word(m.w0)} {t.names.fault(m.w1)}"
    elif k == "IRQ":
        s = f"irq {m.send.label} bit {m.send.w0}"
    elif k == "EXIT":
        s = "child exit"
    else:
        s = f"notify {_word(m.w0)}"
    if m.bulk:
        s += f" +{m.bulk}B"
    return s


def svg(t: Trace, first: Optional[int] = None, last: Optional[int] = None,
        from_us: Optional[float] = None, to_us: Optional[float] = None,
        tasks: TaskSpec = None, max_events: int = 400, title: Optional[str] = None) -> str:
    """A sequence diagram of the events t.select(first, last, from_us,
    to_us, tasks) as an SVG document: one lifeline per task (with the
    kernel's on the left for interrupts, and "others" on the right for
    tasks left out by `tasks`), one row per event in sequence order (at
    most max_events rows, no limit if negative; the diagram says when it
    stops short), messages
    as arrows from the sending row to the receiving one, blocked periods
    as shaded bars on the lifelines."""
    chosen = [e for e in t.select(first, last, from_us, to_us, tasks) if e.kind != "BLOCK"]
    total = len(chosen)
    truncated = max_events >= 0 and total > max_events
    rows = chosen[:max_events] if truncated else chosen
    row_of = {e.index: r for r, e in enumerate(rows)}
    row_idx = [e.index for e in rows]
    is_shown = t._task_match(tasks)
    filtering = bool(_as_list(tasks))

    # the lifelines
    shown: set[int] = set()
    kernel = others = False
    for e in rows:
        for task in (e.task, e.src_task, e.dst_task):
            if task and is_shown(task):
                shown.add(task)
            elif task:
                others = True
        if e.kind == "IRQ" or (e.kind == "RECV" and not e.src):
            kernel = True
    # a column per key: "kernel", a task ID, "others"
    keys: list[Union[str, int]] = ["kernel"] if kernel else []
    keys += sorted(shown)
    if others and filtering:
        keys.append("others")
    col_x = {key: _LEFT + _COLW * i + _COLW // 2 for i, key in enumerate(keys)}

    def x_of(task: Optional[int]) -> int:
        if not task:
            return col_x.get("kernel", _LEFT)
        return col_x.get(task, col_x.get("others", _LEFT))

    n = len(rows)
    bottom = _TOP + n * _ROW
    width = _LEFT + _COLW * max(1, len(keys)) + 20
    height = bottom + 64 + 36 + 18 * ((len(_STYLE) + 2) // max(1, (width - 80) // 230) + 1)

    def y_row(r: int) -> float:
        return _TOP + r * _ROW + _ROW / 2

    def y_of(index: int) -> float:
        if not row_idx or index < row_idx[0]:
            return _TOP
        if index > row_idx[-1]:
            return bottom
        k = bisect.bisect_left(row_idx, index)
        return y_row(k) if row_idx[k] == index else _TOP + k * _ROW

    out: list[str] = []
    w = out.append
    w('<?xml version="1.0" encoding="UTF-8"?>\n')
    w(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
      f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">\n')
    if truncated:
        w(f"<!-- truncated: {n} of {total} events shown (max-events {max_events}) -->\n")
    w("<defs>\n")
    for name, (colour, _dash, _leg) in _STYLE.items():
        w(f'<marker id="ah-{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
          f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
          f'fill="{colour}"/></marker>\n')
        w(f'<marker id="oh-{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
          f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10" '
          f'fill="none" stroke="{colour}"/></marker>\n')
    w("</defs>\n")
    w(f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>\n')
    head = title or "Mica IPC trace"
    span = f"seq {rows[0].seq}..{rows[-1].seq}" if rows else "no events"
    w(f'<text x="8" y="18" font-size="14" font-weight="bold">{_x(head)}</text>\n')
    w(f'<text x="8" y="34">{_x(span)}: {n} events; {_x(t.summary())}</text>\n')
    if truncated:
        w(f'<text x="8" y="50" fill="#c92a2a">{_x(f"truncated: only the first {n} of {total} events are drawn (use --from/--to or --max-events)")}</text>\n')
    w(f'<text x="{_LEFT - 100}" y="{_TOP - 8}" text-anchor="end" fill="#666">seq</text>\n')
    w(f'<text x="{_LEFT - 12}" y="{_TOP - 8}" text-anchor="end" fill="#666">us</text>\n')

    # zebra rows, row headers
    for r, e in enumerate(rows):
        y = y_row(r)
        if r % 2:
            w(f'<rect x="0" y="{_TOP + r * _ROW}" width="{width}" height="{_ROW}" fill="#f4f6f8"/>\n')
        w(f'<text x="{_LEFT - 100}" y="{y + 4}" text-anchor="end" fill="#666">{e.seq}</text>'
          f'<text x="{_LEFT - 12}" y="{y + 4}" text-anchor="end" fill="#666">'
          f'{e.us:.{t.us_decimals}f}</text>\n')

    # lifelines and their names, at the top and the bottom
    for key, x in col_x.items():
        name = key if isinstance(key, str) else t.task_name(key)
        label = f"({key})" if isinstance(key, int) else ""
        w(f'<g class="lifeline" data-task="{_x(key)}">'
          f'<line x1="{x}" y1="{_TOP}" x2="{x}" y2="{bottom}" stroke="#999" stroke-dasharray="3,3"/>')
        for ty in (_TOP - 26, bottom + 16):
            w(f'<text x="{x}" y="{ty}" text-anchor="middle" font-weight="bold">{_x(_short(name, 20))}</text>'
              f'<text x="{x}" y="{ty + 12}" text-anchor="middle" fill="#666">{_x(label)}</text>')
        w("</g>\n")

    # blocked periods
    lo_idx, hi_idx = (row_idx[0], row_idx[-1]) if row_idx else (0, -1)
    for b in t.blocks:
        end_idx = b.end.index if b.end is not None else len(t.events)
        if end_idx < lo_idx or b.start.index > hi_idx or not is_shown(b.task):
            continue
        if b.task not in col_x:
            continue
        y1, y2 = y_of(b.start.index), y_of(end_idx) if b.end is not None else bottom
        if y2 - y1 < 2:
            continue
        x = x_of(b.task) - 5 + (b.thread % t.names.max_threads) * 3
        fill = "#ffd8a8" if b.state == "FAULT" else "#a5c8ff"
        on = t.task_text(b.on) if b.on else "anyone"
        tip = f"{t.thread_text(b.thread)} blocked {b.state} on {on}, seq {b.start.seq}.." + \
              (str(b.end.seq) if b.end is not None else "end")
        w(f'<rect class="blocked" x="{x}" y="{y1:.1f}" width="10" height="{y2 - y1:.1f}" '
          f'fill="{fill}" fill-opacity="0.8" stroke="#6b8fc9" stroke-width="0.5">'
          f'<title>{_x(tip)}</title></rect>\n')

    def arrow(kind: str, x1: float, y1: float, x2: float, y2: float, text: str, tip: str,
              open_head: bool = False, status: str = "", status_colour: str = "#666") -> None:
        """An arrow labelled text above it, status (if any) below it."""
        colour, dash, _ = _STYLE.get(kind, _STYLE["SEND"])
        head = ("oh-" if open_head else "ah-") + (kind if kind in _STYLE else "SEND")
        d = f' stroke-dasharray="{dash}"' if dash else ""
        w(f'<g class="msg" data-kind="{_x(kind)}"><title>{_x(tip)}</title>')
        if abs(x1 - x2) < 1:
            path = f"M{x1},{y1} h28 V{y2} h-26"
            w(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.3"{d} '
              f'marker-end="url(#{head})"/>')
            tx, ty, anchor = x1 + 32, (y1 + y2) / 2 + 4, "start"
            room = _COLW - 40
        else:
            w(f'<line x1="{x1}" y1="{y1:.1f}" x2="{x2}" y2="{y2:.1f}" stroke="{colour}" '
              f'stroke-width="1.3"{d} marker-end="url(#{head})"/>')
            tx, ty, anchor = (x1 + x2) / 2, min(y1, y2) - 4, "middle"   # above the line
            room = max(abs(x2 - x1) - 10, _COLW - 10)
        w(f'<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" fill="{colour}" '
          f'stroke="white" stroke-width="3" paint-order="stroke">'
          f'{_x(_short(text, int(room / 6.6)))}</text>')
        if status:
            sy = max(y1, y2) + 9 if abs(x1 - x2) >= 1 else ty + 10
            w(f'<text x="{tx:.1f}" y="{sy:.1f}" text-anchor="{anchor}" fill="{status_colour}" '
              f'font-size="9" stroke="white" stroke-width="3" paint-order="stroke">'
              f'{_x(_short(status, int(room / 5.4)))}</text>')
        w("</g>\n")

    def note(x: float, y: float, text: str, colour: str, tip: str) -> None:
        w(f'<g class="note"><title>{_x(tip)}</title>'
          f'<text x="{x + 8}" y="{y + 4}" fill="{colour}">{_x(_short(text, 24))}</text></g>\n')

    def style_of(m: Message) -> str:
        if m.kind == "REPLY" and m.request is not None and m.request.kind == "FAULT":
            return "FAULTREPLY"
        return m.kind

    for r, e in enumerate(rows):
        y = y_row(r)
        tip = event_line(t, e).strip()
        k = e.kind
        if k in ("SEND", "CALL", "REPLY", "FAULT", "NOTIFY", "IRQ", "EXIT") and e.message is not None \
                and e.message.send is e:
            m = e.message
            x1 = x_of(m.sender_task)
            x2 = x_of(m.receiver_task)
            txt = _arrow_label(t, m)
            d = m.delivered
            if d is not None and d.index in row_of:
                arrow(style_of(m), x1, y, x2, y_row(row_of[d.index]) if d is not e else y, txt, tip)
            elif d is not None and d.index > hi_idx:
                arrow(style_of(m), x1, y, x2, y, txt, tip, True, f"taken at {d.seq}")
            elif d is None and m.error is not None:
                arrow(style_of(m), x1, y, x2, y, txt, tip, True,
                      f"failed {t.names.error(m.error)}", "#c92a2a")
            elif d is None:
                arrow(style_of(m), x1, y, x2, y, txt, tip, True, "not taken")
            if k == "EXIT":
                w(f'<g class="exit"><title>{_x(tip)}</title><path d="M{x1 - 5},{y - 5} l10,10 '
                  f'm0,-10 l-10,10" stroke="#c92a2a" stroke-width="2"/></g>\n')
                note(x1, y, f"exit {e.val}", "#c92a2a", tip)
        elif k == "RECV":
            x = x_of(e.task)
            w(f'<circle cx="{x}" cy="{y}" r="3" fill="#333"><title>{_x(tip)}</title></circle>\n')
            for m in e.messages:
                if m.send.index < lo_idx or m.send.index not in row_of:
                    arrow(style_of(m), x_of(m.sender_task), y, x, y,
                          _arrow_label(t, m), tip, status=f"sent at {m.send.seq}")
            if not e.messages:
                note(x, y, f"recv {e.label_name} from {e.src_text}", "#333", tip)
        elif k == "SPAWN":
            arrow("SPAWN", x_of(e.src_task), y, x_of(e.dst_task), y,
                  f"spawn {t.task_name(e.dst_task)}", tip)
        elif k == "EXIT":
            x = x_of(e.task)
            w(f'<g class="exit"><title>{_x(tip)}</title><path d="M{x - 5},{y - 5} l10,10 '
              f'm0,-10 l-10,10" stroke="#c92a2a" stroke-width="2"/></g>\n')
            note(x, y, f"exit {e.val}", "#c92a2a", tip)
        elif k == "ERROR":
            x = x_of(e.task)
            note(x, y, f"\u2717 {e.label_name} ({e.op_name})", "#c92a2a", tip)
        elif k == "TIMEOUT":
            note(x_of(e.task), y, f"timeout ({e.op_name})", "#e8590c", tip)
        else:
            note(x_of(e.task), y, f"{k} {e.label_name}", "#333", tip)

    # legend
    ly = bottom + 52
    w(f'<g class="legend"><text x="8" y="{ly}" font-weight="bold">legend</text>\n')
    lx, i = 80, 0
    per_row = max(1, (width - lx) // 230)
    for kind, (colour, dash, legend) in _STYLE.items():
        if legend is None:
            continue
        x, yy = lx + (i % per_row) * 230, ly + (i // per_row) * 18
        d = f' stroke-dasharray="{dash}"' if dash else ""
        w(f'<line x1="{x}" y1="{yy - 4}" x2="{x + 40}" y2="{yy - 4}" stroke="{colour}" '
          f'stroke-width="1.3"{d} marker-end="url(#ah-{kind})"/>'
          f'<text x="{x + 48}" y="{yy}">{_x(legend)}</text>\n')
        i += 1
    for fill, legend in (("#a5c8ff", "blocked in IPC"), ("#ffd8a8", "waiting for its pager")):
        x, yy = lx + (i % per_row) * 230, ly + (i // per_row) * 18
        w(f'<rect x="{x + 15}" y="{yy - 11}" width="10" height="12" fill="{fill}"/>'
          f'<text x="{x + 48}" y="{yy}">{_x(legend)}</text>\n')
        i += 1
    yy = ly + ((i + per_row - 1) // per_row) * 18
    w(f'<text x="{lx}" y="{yy}" fill="#c92a2a">\u2717 error, \u00d7 task exit</text>'
      f'<text x="{lx + 230}" y="{yy}">open arrow head: taken later, or never</text>\n')
    w("</g>\n</svg>\n")
    return "".join(out)


# ---------------------------------------------------------------------------
# The command line.

def _seq_arg(s: str) -> int:
    try:
        return int(s, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a sequence number: {s!r}") from None


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="mtrace.py",
        description="Turn the Mica kernel's IPC trace dump (in a console log) into a "
                    "Chrome/Perfetto JSON timeline, an SVG sequence diagram and a listing.")
    p.add_argument("log", help="the console log holding a dump (trace: begin ... trace: end)")
    p.add_argument("--out-dir", help="write trace.json, trace.svg and trace.txt there")
    p.add_argument("--json", help="write the trace-event JSON here (for ui.perfetto.dev)")
    p.add_argument("--svg", help="write the sequence diagram here")
    p.add_argument("--text", help="write the listing here ('-': standard output)")
    p.add_argument("--tasks", help="only events of these tasks: names or IDs, comma-separated")
    p.add_argument("--from", dest="first", type=_seq_arg, help="first sequence number")
    p.add_argument("--to", dest="last", type=_seq_arg, help="last sequence number")
    p.add_argument("--from-us", type=float, help="first time (us since the first event)")
    p.add_argument("--to-us", type=float, help="last time (us since the first event)")
    p.add_argument("--max-events", type=int, default=400,
                   help="most rows of the diagram (default 400)")
    p.add_argument("--index", type=int, default=-1,
                   help="which complete dump of the log: 0 the first, -1 the last (default)")
    p.add_argument("--root", help="the Mica tree whose headers name things (default: grade/..)")
    args = p.parse_args(argv)
    tasks = [s.strip() for s in args.tasks.split(",") if s.strip()] if args.tasks else None
    window = dict(first=args.first, last=args.last, from_us=args.from_us, to_us=args.to_us,
                  tasks=tasks)
    outputs = {"json": args.json, "svg": args.svg, "text": args.text}
    if args.out_dir:
        for kind in outputs:
            outputs[kind] = outputs[kind] or os.path.join(args.out_dir, f"trace.{'txt' if kind == 'text' else kind}")
    if not any(outputs.values()):
        outputs["text"] = "-"
    try:
        t = load(Path(args.log), index=args.index, root=args.root)
        for wmsg in t.warnings:
            print(f"mtrace: warning: {wmsg}", file=sys.stderr)
        if outputs["json"]:
            _write(outputs["json"], chrome_json(chrome_trace(t, **window)))
        if outputs["svg"]:
            _write(outputs["svg"], svg(t, max_events=args.max_events, **window))
        if outputs["text"]:
            _write(outputs["text"], listing(t, **window))
    except TraceError as e:
        print(f"mtrace: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"mtrace: cannot write {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    written = [f for k, f in outputs.items() if f and f != "-"]
    if written:
        print(f"mtrace: {t.summary()}; wrote {', '.join(written)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
