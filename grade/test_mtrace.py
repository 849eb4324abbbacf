#!/usr/bin/env python3
"""Host test of grade/mtrace.py (no QEMU): feeds it a small dump made here
in the format of include/mica/trace.h and checks the events, the matched
messages, the JSON's flows, the SVG's lifelines and the listing, with the
names read from the tree's real headers. Also checks its C header reader
on a made-up tree, and the command line.

Usage: python3 grade/test_mtrace.py [-v]    (last line: N passed, N failed)
"""
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
os.environ.pop("MICA_ROOT", None)

import mtrace  # noqa: E402  (needs the path set above)

SVG = "{http://www.w3.org/2000/svg}"


# ---- an oracle for the numbers, independent of mtrace's reader: enough of
# C for the headers as written (explicit literals, implicit increments,
# references to earlier members, #define NAME literal)

def _text(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return re.sub(r"/\*.*?\*/|//[^\n]*", " ", f.read(), flags=re.S)


def enum_values(rel, first_member):
    """name -> value for the enum of header rel holding first_member."""
    body = next(b for b in re.findall(r"enum\s*\w*\s*\{([^}]*)\}", _text(rel))
                if re.search(rf"\b{first_member}\b", b))
    values, nxt = {}, 0
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, expr = (s.strip() for s in item.partition("="))
        if expr:
            nxt = values[expr] if expr in values else int(expr, 0)
        values[name] = nxt
        nxt += 1
    return values


def define(rel, name):
    m = re.search(rf"#\s*define\s+{name}\s+\(?([0-9A-Fa-fx]+)", _text(rel))
    return int(m.group(1), 0)


KIND = {k[3:]: v for k, v in enum_values("include/mica/trace.h", "TR_SEND").items()}
STATE = enum_values("kernel/kernel.h", "T_FREE")
IPC = enum_values("include/mica/syscall.h", "IPC_OPMASK")
LABEL = {**enum_values("include/mica/proto/fs.h", "FS_FIRST"),
         **enum_values("include/mica/proto/blk.h", "BLK_FIRST"),
         "LABEL_NOTIFY": define("include/mica/syscall.h", "LABEL_NOTIFY"),
         "LABEL_PAGE_FAULT": define("include/mica/syscall.h", "LABEL_PAGE_FAULT")}
ENOENT = define("include/mica/errno.h", "ENOENT")
ESRCH = define("include/mica/errno.h", "ESRCH")
FAULT_WRITE = define("include/mica/syscall.h", "FAULT_WRITE")
MAXT = define("include/mica/syscall.h", "TASK_MAX_THREADS")
CHILD_EXIT = 1 << 63   # NOTIFY_CHILD_EXIT (1UL << 63); checked against mtrace below

# ---- the synthetic system: tasks, their threads 0

MEM, BLK, FS, CLI, GONE = 0x80, 0x83, 0x84, 0x85, 0x99
MEM0, BLK0, FS0, CLI0 = (t * MAXT for t in (MEM, BLK, FS, CLI))
U64 = (1 << 64) - 1


def name_words(name: bytes):
    raw = (name + b"\0" + b"JUNK!JUNK!JUNK!")[:16]   # bytes after the NUL are junk
    return int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")


# (kind, op, src, dst, label, w0, w1, val); seq, hart and time are added
SCENARIO = [
    ("SPAWN", 0, MEM, CLI, 0, *name_words(b"cli"), 0),                                 # 0
    ("FAULT", 0, CLI0, MEM, 0, 0x40000, FAULT_WRITE, 0x1234),                          # 1
    ("RECV", 0, CLI0, MEM0, LABEL["LABEL_PAGE_FAULT"], 0x40000, FAULT_WRITE, 0),       # 2
    ("REPLY", IPC["IPC_REPLY_RECV"], MEM0, CLI0, 0, 0, 0, 0),                          # 3
    ("BLOCK", STATE["T_RECV"], MEM0, 0, 0, 0, 0, 0),                                   # 4
    ("CALL", IPC["IPC_CALL"] | IPC["IPC_BULK_RECV"], CLI0, FS, LABEL["FS_READ"], 3, 0x2000, 0),  # 5
    ("BLOCK", STATE["T_REPLY"], CLI0, FS, 0, 0, 0, 0),                                 # 6
    ("RECV", 0, CLI0, FS0, LABEL["FS_READ"], 3, 0x2000, 0),                            # 7
    ("CALL", IPC["IPC_CALL"], FS0, BLK, LABEL["BLK_READ"], 0x10, 1, 0),                # 8
    ("BLOCK", STATE["T_REPLY"], FS0, BLK, 0, 0, 0, 0),                                 # 9
    ("RECV", 0, FS0, BLK0, LABEL["BLK_READ"], 0x10, 1, 0),                             # 10
    ("BLOCK", STATE["T_RECV"], BLK0, 0, 0, 0, 0, 0),                                   # 11
    ("IRQ", 0, 0, BLK, 8, 7, 0, 0),                                                    # 12
    ("RECV", 0, 0, BLK0, LABEL["LABEL_NOTIFY"], 1 << 7, 0, 0),                         # 13
    ("REPLY", IPC["IPC_REPLY_RECV"] | IPC["IPC_BULK_SEND"], BLK0, FS0, 0x1000, 0, 0, 0x1000),   # 14
    ("RECV", 0, BLK0, FS0, 0x1000, 0, 0, 0x1000),                                      # 15
    ("REPLY", IPC["IPC_REPLY_RECV"] | IPC["IPC_BULK_SEND"], FS0, CLI0, 0x2000, 0, 0, 0x2000),   # 16
    ("RECV", 0, FS0, CLI0, 0x2000, 0, 0, 0x2000),                                      # 17
    ("BLOCK", STATE["T_RECV"], FS0, 0, 0, 0, 0, 0),                                    # 18
    ("NOTIFY", 0, CLI0, FS, 0, 1, 0, 0),                                               # 19
    ("RECV", 0, 0, FS0, LABEL["LABEL_NOTIFY"], 1, 0, 0),                               # 20
    ("CALL", IPC["IPC_CALL"] | IPC["IPC_BULK_SEND"], CLI0, FS, LABEL["FS_OPEN"], 0, 0, 8),      # 21
    ("RECV", 0, CLI0, FS0, LABEL["FS_OPEN"], 0, 0, 8),                                 # 22
    ("REPLY", IPC["IPC_REPLY_RECV"], FS0, CLI0, -ENOENT & U64, 0, 0, 0),               # 23
    ("RECV", 0, FS0, CLI0, -ENOENT & U64, 0, 0, 0),                                    # 24
    ("CALL", IPC["IPC_CALL"], CLI0, GONE, LABEL["FS_STAT"], 0, 0, 0),                  # 25
    ("ERROR", IPC["IPC_CALL"], CLI0, 0, 0, 0, 0, -ESRCH),                              # 26
    ("EXIT", 0, CLI, 0, 0, 0, 0, 0),                                                   # 27
    ("RECV", 0, 0, MEM0, LABEL["LABEL_NOTIFY"], CHILD_EXIT, 0, 0),                     # 28
]

TIMEBASE = 10_000_000   # 0.1 us per tick


def dump_lines(rows, tasks, seq0=0, time0=0x100000):
    out = [f"trace: begin harts=2 timebase={TIMEBASE} events={len(rows)} lost=0"]
    out += [f"trace-task {tid:x} {name}" for tid, name in tasks]
    for i, (kind, op, src, dst, label, w0, w1, val) in enumerate(rows):
        time = time0 + i * 100   # 10 us apart
        fields = (seq0 + i, i % 2, time, KIND[kind], op, src, dst, label, w0, w1, val & U64)
        out.append("T " + " ".join(f"{x:x}" for x in fields))
    out.append("trace: end")
    return out


LIVE = [(MEM, "mem"), (BLK, "blk"), (FS, "fs")]   # cli has exited: its name comes from SPAWN


def sample_log():
    lines = ["OpenSBI v1.1", "Mica 0.1 booting on hart 0", "$ trace cli"]
    lines += dump_lines(SCENARIO[:2], LIVE, seq0=0x50)          # an earlier dump
    lines += ["unrelated console output", "T not an event"]
    main = dump_lines(SCENARIO, LIVE, seq0=0x100)
    main.insert(5, "$ ")                                       # console noise inside a dump
    lines += [ln + "\r" for ln in main]                        # as a terminal may log them
    lines += dump_lines(SCENARIO[:3], LIVE)[:-1]               # cut short: no end
    return "\n".join(lines) + "\n"


class Names(unittest.TestCase):
    def test_names_from_headers(self):
        n = mtrace.load_names()
        self.assertEqual(n.kinds, {v: k for k, v in KIND.items() if k != "NKINDS"})
        for name in ("FS_READ", "FS_OPEN", "BLK_READ", "LABEL_NOTIFY", "LABEL_PAGE_FAULT"):
            self.assertEqual(n.labels[LABEL[name]], name)
            self.assertEqual(n.label_values[name], LABEL[name])
        self.assertNotIn("FS_FIRST", n.labels.values())   # an alias of FS_OPEN
        self.assertNotIn("FS_LAST", n.labels.values())
        self.assertEqual(n.errnos[ENOENT], "ENOENT")
        self.assertEqual(n.error(-ENOENT), "-ENOENT")
        self.assertEqual(n.states[STATE["T_REPLY"]], "T_REPLY")
        self.assertEqual(n.ipc_op(IPC["IPC_REPLY_RECV"] | IPC["IPC_BULK_RECV"]), "REPLY_RECV|BULK_RECV")
        self.assertEqual(n.max_threads, MAXT)
        self.assertEqual(n.tid_mask, (1 << 40) - 1)
        self.assertEqual(n.notify_child_exit, CHILD_EXIT)
        self.assertEqual(n.fault(FAULT_WRITE), "WRITE")
        mem = enum_values("include/mica/proto/mem.h", "MEM_FIRST")
        # MEM_CWD_MAX is a #define of the same value as MEM_SPAWN: not a label
        self.assertEqual(n.labels[mem["MEM_SPAWN"]], "MEM_SPAWN")
        self.assertNotIn("MEM_CWD_MAX", n.label_values)

    def test_c_values(self):
        env = {"FOO": 5}
        cases = {"(1UL << 63)": 1 << 63, "'a' + 1": 98, "0x10 | 010": 24, "-(3)": -3,
                 "FOO * 2": 10, "7 / 2": 3, "-7 / 2": -3, "'\\x1c'": 0x1c, "~0UL": -1}
        for expr, want in cases.items():
            self.assertEqual(mtrace.c_value(expr, env), want, expr)
        for expr in ("sizeof(int)", "(uint64_t)1", '"fs"', "BAR + 1", "", "1 <<"):
            self.assertIsNone(mtrace.c_value(expr, env), expr)

    def test_made_up_protocols(self):
        with tempfile.TemporaryDirectory() as root:
            for rel in ("include/mica/trace.h", "include/mica/syscall.h",
                        "include/mica/errno.h", "kernel/kernel.h"):
                os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
                shutil.copy(os.path.join(ROOT, rel), os.path.join(root, rel))
            os.makedirs(os.path.join(root, "include/mica/proto"))
            with open(os.path.join(root, "include/mica/proto/xp.h"), "w") as f:
                f.write("""
/* Labels: [XP_FIRST, XP_LAST], the #define way */
#define XP_FIRST   0x700
#define XP_PING    XP_FIRST        /* -> 0 */
#define XP_PONG    (XP_FIRST + 1)  // -> 1
#define XP_LAST    XP_PONG
#define XP_NAME    "xp"
#define XP_MAX     0x701           /* not a label: after XP_LAST */
enum {
	YP_FIRST = 0x800, // a comment, with = and , in it
	YP_A = YP_FIRST,  /* a, b { = } */
	YP_B,
	YP_C = 2050,
	YP_D,
	YP_LAST = YP_D,
	YP_LIMIT = 0x900,
};
enum { ZP_FIRST = 0x600, ZP_LAST = 0x601 };   /* bounds only: they name the labels */
enum { NOT_A_LABEL = 0x801 };
""")
            n = mtrace.load_names(root)
            want = {0x700: "XP_PING", 0x701: "XP_PONG", 0x800: "YP_A", 0x801: "YP_B",
                    0x802: "YP_C", 0x803: "YP_D", 0x600: "ZP_FIRST", 0x601: "ZP_LAST"}
            for value, name in want.items():
                self.assertEqual(n.labels.get(value), name, hex(value))
            for name in ("XP_MAX", "YP_LIMIT", "YP_FIRST", "YP_LAST", "XP_NAME"):
                self.assertNotIn(name, n.label_values)
            self.assertEqual(n.protocols["YP"], (0x800, 0x803))
            self.assertNotIn(0x900, n.labels)
            os.remove(os.path.join(root, "include/mica/trace.h"))
            with self.assertRaises(mtrace.TraceError):
                mtrace.load_names(root)


class Synthetic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = mtrace.load(sample_log())

    def test_dump_choice(self):
        t = self.t
        self.assertEqual(len(t.events), len(SCENARIO))
        self.assertEqual([e.kind for e in t.events], [r[0] for r in SCENARIO])
        self.assertEqual([e.seq for e in t.events], list(range(0x100, 0x100 + len(SCENARIO))))
        self.assertEqual(t.warnings, [])
        first = mtrace.load(sample_log(), index=0)
        self.assertEqual([e.kind for e in first.events], ["SPAWN", "FAULT"])
        self.assertEqual(first.events[0].seq, 0x50)
        with self.assertRaises(mtrace.TraceError):
            mtrace.load(sample_log(), index=2)
        with self.assertRaises(mtrace.TraceError):
            mtrace.load("no dump here\ntrace: begin harts=1 timebase=1 events=0 lost=0\n")

    def test_events(self):
        e = self.t.events
        self.assertEqual(self.t.tasks[CLI], "cli")
        self.assertEqual(self.t.task_name(GONE), f"task{GONE}")
        self.assertEqual((e[1].src_text, e[1].dst_text, e[1].label_name), ("cli(133).0", "mem(128)", "LABEL_PAGE_FAULT"))
        self.assertEqual(e[5].label_name, "FS_READ")
        self.assertEqual((e[5].thread, e[5].task), (CLI0, CLI))
        self.assertEqual(e[5].op_name, "CALL|BULK_RECV")
        self.assertEqual((e[7].thread, e[7].task, e[7].src_thread), (FS0, FS, CLI0))
        self.assertEqual(e[6].label_name, "T_REPLY")
        self.assertEqual(e[12].label_name, "irq 8")
        self.assertEqual(e[23].label_name, "= -ENOENT")
        self.assertEqual(e[24].label_name, "= -ENOENT")
        self.assertEqual(e[17].label_name, "= 8192")
        self.assertEqual((e[26].label_name, e[26].val), ("-ESRCH", -ESRCH))
        self.assertEqual(e[3].us, 30.0)

    def test_messages(self):
        t = self.t
        got = [(m.kind, m.send.index, m.delivered.index if m.delivered else None,
                m.sender_text, m.receiver_text, m.label_name) for m in t.messages()]
        want = [
            ("FAULT", 1, 2, "cli(133).0", "mem(128).0", "LABEL_PAGE_FAULT"),
            ("REPLY", 3, 3, "mem(128).0", "cli(133).0", "= 0"),     # the thread just runs again
            ("CALL", 5, 7, "cli(133).0", "fs(132).0", "FS_READ"),
            ("CALL", 8, 10, "fs(132).0", "blk(131).0", "BLK_READ"),
            ("IRQ", 12, 13, "kernel", "blk(131).0", "LABEL_NOTIFY"),
            ("REPLY", 14, 15, "blk(131).0", "fs(132).0", "= 4096"),
            ("REPLY", 16, 17, "fs(132).0", "cli(133).0", "= 8192"),
            ("NOTIFY", 19, 20, "cli(133).0", "fs(132).0", "LABEL_NOTIFY"),
            ("CALL", 21, 22, "cli(133).0", "fs(132).0", "FS_OPEN"),
            ("REPLY", 23, 24, "fs(132).0", "cli(133).0", "= -ENOENT"),
            ("CALL", 25, None, "cli(133).0", f"task{GONE}({GONE})", "FS_STAT"),
            ("EXIT", 27, 28, "cli(133)", "mem(128).0", "LABEL_NOTIFY"),
        ]
        self.assertEqual(got, want)
        ms = t.messages()
        self.assertIs(ms[0].reply, ms[1])
        self.assertIs(ms[1].request, ms[0])
        self.assertIsNone(ms[1].recv)
        self.assertIs(ms[2].reply, ms[6])
        self.assertEqual(ms[6].result, 0x2000)
        self.assertEqual(ms[6].bulk, 0x2000)
        self.assertEqual(ms[9].result, -ENOENT)
        self.assertEqual(ms[10].error, -ESRCH)
        self.assertIsNone(ms[10].reply)
        self.assertEqual(ms[4].w0, 1 << 7)
        self.assertEqual(ms[2].recv_us - ms[2].send_us, 20.0)

    def test_queries(self):
        t = self.t
        [read] = t.calls(sender="cli", receiver="fs", label="FS_READ")
        self.assertEqual(read.send.index, 5)
        self.assertEqual(t.calls(sender=CLI, receiver=["fs", "blk"], label=LABEL["FS_READ"]), [read])
        self.assertEqual(t.messages(sender="cli(133)", kind="CALL")[1].label_name, "FS_OPEN")
        self.assertEqual([m.send.index for m in t.messages("REPLY", label="FS_OPEN")], [23])
        self.assertEqual([(m.kind, m.label_name) for m in t.nested(read)],
                         [("CALL", "BLK_READ"), ("REPLY", "= 4096")])
        [blk_read] = t.calls(sender="fs", receiver="blk")
        self.assertEqual(t.nested(blk_read), [])
        self.assertEqual([m.kind for m in t.messages(kind="FAULT", receiver="mem")], ["FAULT"])
        # blk takes part in fs's receipt of its reply too
        self.assertEqual([e.index for e in t.events_of("blk", kind="RECV")], [10, 13, 15])
        self.assertEqual(t.task_ids("fs"), [FS])
        self.assertEqual([e.index for e in t.select(first=0x110, last=0x112)], [16, 17, 18])
        self.assertEqual([e.index for e in t.select(from_us=250, to_us=270)], [25, 26, 27])

    def test_blocks(self):
        got = [(mtrace.Trace.thread_text(self.t, b.thread), b.state, b.start.index,
                b.end.index if b.end else None) for b in self.t.blocks]
        self.assertEqual(got, [
            ("cli(133).0", "FAULT", 1, 3),
            ("mem(128).0", "T_RECV", 4, 28),
            ("cli(133).0", "T_REPLY", 6, 17),
            ("fs(132).0", "T_REPLY", 9, 15),
            ("blk(131).0", "T_RECV", 11, 13),
            ("fs(132).0", "T_RECV", 18, 20),
        ])

    def test_listing(self):
        text = mtrace.listing(self.t)
        lines = text.splitlines()
        body = [ln for ln in lines if not ln.startswith("#")][1:]
        self.assertEqual(len(body), len(SCENARIO))
        self.assertRegex(body[5], r"^\s+261\s+50\.0\s+1 CALL\s+cli\(133\)\.0 -> fs\(132\)\s+FS_READ\s+3 0x2000\s+"
                                  r"taken at 263; reply at 272$")
        self.assertRegex(body[23], r"REPLY\s+fs\(132\)\.0 -> cli\(133\)\.0\s+= -ENOENT")
        self.assertRegex(body[1], r"FAULT .* 0x40000 WRITE .*pc 0x1234")
        self.assertRegex(body[12], r"IRQ\s+kernel -> blk\(131\)\s+irq 8\s+bit 7")
        self.assertRegex(body[26], r"ERROR\s+cli\(133\)\.0\s+-ESRCH\s+CALL")
        only = mtrace.listing(self.t, tasks=["blk"])
        self.assertIn("# showing 8 of 29 events", only)   # 264..271: fs's block on blk too

    def test_chrome_json(self):
        doc = json.loads(mtrace.chrome_json(mtrace.chrome_trace(self.t)))
        evs = doc["traceEvents"]
        self.assertNotIn("displayTimeUnit", doc)   # ts is in microseconds
        names = {e["pid"]: e["args"]["name"] for e in evs if e.get("name") == "process_name"}
        self.assertEqual(names, {MEM: "mem (128)", BLK: "blk (131)", FS: "fs (132)", CLI: "cli (133)"})
        threads = {e["tid"]: e["args"]["name"] for e in evs if e.get("name") == "thread_name"}
        self.assertEqual(threads[CLI0], "cli(133).0")
        tracks = defaultdict(list)
        for e in evs:
            self.assertIn(e["ph"], "XsfM")
            if e["ph"] == "X":
                self.assertGreater(e["dur"], 0)
                tracks[e["pid"], e["tid"]].append(e)
        ns = lambda v: int(v * 1000.0)   # noqa: E731  (as Perfetto reads ts)
        for key, xs in tracks.items():   # slices of a track nest, never overlap
            stack = []
            for e in sorted(xs, key=lambda e: (ns(e["ts"]), -ns(e["dur"]))):
                start, end = ns(e["ts"]), ns(e["ts"]) + ns(e["dur"])
                while stack and stack[-1] <= start:
                    stack.pop()
                self.assertFalse(stack and end > stack[-1], f"{key}: {e['name']} overlaps")
                stack.append(end)
        flows = defaultdict(dict)
        for e in evs:
            if e["ph"] in "sf":
                self.assertNotIn(e["ph"], flows[e["id"]])
                flows[e["id"]][e["ph"]] = e
                inside = [x for x in tracks[e["pid"], e["tid"]]
                          if ns(x["ts"]) + 2 <= ns(e["ts"]) <= ns(x["ts"]) + ns(x["dur"]) - 2]
                self.assertTrue(inside, f"flow {e['id']} {e['ph']} outside any slice")
        pairs = []
        for fid, f in sorted(flows.items()):
            self.assertEqual(set(f), {"s", "f"})
            self.assertEqual(f["f"]["bp"], "e")
            self.assertEqual((f["s"]["name"], f["s"]["cat"]), (f["f"]["name"], f["f"]["cat"]))
            self.assertLessEqual(f["s"]["ts"], f["f"]["ts"])
            pairs.append((f["s"]["tid"], f["f"]["tid"], f["s"]["name"]))
        task_track = lambda task: mtrace._TASK_TRACK + task   # noqa: E731
        self.assertEqual(pairs, [
            (CLI0, MEM0, "LABEL_PAGE_FAULT"), (MEM0, CLI0, "reply = 0"),
            (CLI0, FS0, "FS_READ"), (FS0, BLK0, "BLK_READ"), (task_track(BLK), BLK0, "LABEL_NOTIFY"),
            (BLK0, FS0, "reply = 4096"), (FS0, CLI0, "reply = 8192"), (CLI0, FS0, "LABEL_NOTIFY"),
            (CLI0, FS0, "FS_OPEN"), (FS0, CLI0, "reply = -ENOENT"),
            (task_track(CLI), MEM0, "LABEL_NOTIFY"),
        ])
        blocked = [(e["tid"], e["name"]) for e in evs if e.get("cat") == "blocked"]
        self.assertIn((CLI0, "blocked T_REPLY"), blocked)
        self.assertIn((CLI0, "page fault"), blocked)

    def test_svg(self):
        doc = mtrace.svg(self.t)
        root = ET.fromstring(doc)
        self.assertEqual(root.tag, SVG + "svg")
        lifelines = [g for g in root.iter(SVG + "g") if g.get("class") == "lifeline"]
        heads = [[tx.text for tx in g.iter(SVG + "text")][:2] for g in lifelines]
        self.assertEqual(heads, [["kernel", None], ["mem", "(128)"], ["blk", "(131)"],
                                 ["fs", "(132)"], ["cli", "(133)"], [f"task{GONE}", f"({GONE})"]])
        arrows = [g for g in root.iter(SVG + "g") if g.get("class") == "msg"]
        labels = [[tx.text for tx in g.iter(SVG + "text")] for g in arrows]
        self.assertIn(["FS_READ(3, 0x2000)"], labels)
        self.assertIn(["= -ENOENT"], labels)
        self.assertIn(["FS_STAT(0, 0)", "failed -ESRCH"], labels)
        kinds = [g.get("data-kind") for g in arrows]
        self.assertEqual(kinds.count("REPLY"), 3)
        self.assertEqual(kinds.count("FAULTREPLY"), 1)
        dashed = [ln for g in arrows if g.get("data-kind") == "REPLY" for ln in g.iter(SVG + "line")]
        self.assertTrue(all(ln.get("stroke-dasharray") for ln in dashed))
        self.assertEqual(len([r for r in root.iter(SVG + "rect") if r.get("class") == "blocked"]),
                         len(self.t.blocks))
        self.assertIn("legend", [g.get("class") for g in root.iter(SVG + "g")])
        small = mtrace.svg(self.t, max_events=5)
        ET.fromstring(small)
        self.assertIn("truncated", small)
        self.assertEqual(len([1 for t in ET.fromstring(small).iter(SVG + "text")
                              if t.text and t.text.startswith("truncated")]), 1)
        only = ET.fromstring(mtrace.svg(self.t, tasks="cli", first=0x105, last=0x108))
        heads = [[tx.text for tx in g.iter(SVG + "text")][0] for g in only.iter(SVG + "g")
                 if g.get("class") == "lifeline"]
        self.assertEqual(heads, ["cli", "others"])

    def test_svg_escapes(self):
        rows = [("SPAWN", 0, MEM, CLI, 0, *name_words(b"<a&b>\x01"), 0)]
        t = mtrace.load("\n".join(dump_lines(rows, [(MEM, 'm"em')])) + "\n")
        root = ET.fromstring(mtrace.svg(t))
        texts = [tx.text for tx in root.iter(SVG + "text")]
        self.assertIn("<a&b>?", texts)
        self.assertIn('m"em', texts)


class CommandLine(unittest.TestCase):
    def run_tool(self, *args):
        return subprocess.run([sys.executable, os.path.join(HERE, "mtrace.py"), *args],
                              capture_output=True, text=True, timeout=60)

    def test_outputs(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "qemu.log")
            with open(log, "w") as f:
                f.write(sample_log())
            r = self.run_tool(log, "--out-dir", os.path.join(d, "out"), "--max-events", "10")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "out", "trace.json")) as f:
                json.load(f)
            ET.parse(os.path.join(d, "out", "trace.svg"))
            with open(os.path.join(d, "out", "trace.txt")) as f:
                self.assertIn("FS_READ", f.read())
            r = self.run_tool(log, "--tasks", "blk", "--from", "0x10a", "--to", "268")
            self.assertEqual(r.returncode, 0, r.stderr)
            body = [ln for ln in r.stdout.splitlines() if not ln.startswith("#")][1:]
            self.assertEqual([ln.split()[0] for ln in body], ["266", "267", "268"])

    def test_errors(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "boot.log")
            with open(log, "w") as f:
                f.write("Mica 0.1 booting\ntrace: begin harts=1 timebase=1 events=1 lost=0\n")
            for args, msg in (([log], "no complete trace dump"),
                              ([os.path.join(d, "missing.log")], "cannot read"),
                              ([d], "cannot read")):
                r = self.run_tool(*args)
                self.assertEqual(r.returncode, 1, args)
                self.assertIn(msg, r.stderr)
                self.assertNotIn("Traceback", r.stderr)

    def test_main_in_process(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "qemu.log")
            with open(log, "w") as f:
                f.write(sample_log())
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                self.assertEqual(mtrace.main([log, "--text", "-"]), 0)
            self.assertIn("cli(133).0 -> fs(132)", out.getvalue())


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2 if "-v" in sys.argv else 1).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
