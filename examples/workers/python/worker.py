#!/usr/bin/env python3
"""The reference design's worker, served to snbench over the node protocol.

This is the Worker of the Python program snbench started from -- a worker
owns its state, takes tasks from its queue until it gets None, and puts each
task's result, the task doubled, on the result queue -- unchanged. Only its
queues are new: here they are snbench's node protocol (docs/protocol.md) on
stdin and stdout instead of multiprocessing queues. Standard library only.

    snbench run --exec py='python3 examples/workers/python/worker.py'
    snbench check-worker -- python3 examples/workers/python/worker.py
    python3 worker.py --listen 127.0.0.1:7070   # a TCP node (--nodes)

A batch's tasks come off the task queue one value at a time (payload K:
K values per task, each doubled); when the result queue has every value of
the batch, its Results frame goes out, tagged as the batch was, with its
service time. Answers are written when no further frame is waiting, one
write per burst. Stats come from getrusage(2).
"""
import json
import os
import re
import resource
import socket
import struct
import sys
import time

# -- the reference design's worker, as written -------------------------------


class Worker:
    def __init__(self, worker_id, task_queue, result_queue):
        self.worker_id = worker_id
        self.task_queue = task_queue
        self.result_queue = result_queue

    def process_task(self, task):
        return task * 2

    def run(self):
        while True:
            task = self.task_queue.get()
            if task is None:
                break
            self.result_queue.put(self.process_task(task))


# -- the node protocol, version 1 ---------------------------------------------

HEADER = struct.Struct("<2sBBIII")  # magic, version, type, count, aux, length
MAGIC, VERSION = b"SB", 1
HELLO, WELCOME, TASKS, RESULTS, STATS_REQUEST, STATS, ERROR, BYE = 1, 2, 3, 4, 5, 6, 7, 8
MAX_HANDSHAKE_FRAME = 4 << 10
MAX_FRAME = 64 << 20
MAX_PAYLOAD = 1 << 16


class ProtocolError(Exception):
    """A frame this worker cannot accept; it answers Error and stops."""


def frame(ftype, body=b"", count=0, aux=0):
    return HEADER.pack(MAGIC, VERSION, ftype, count, aux, len(body)) + body


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}


def duration_ns(v):
    """A duration as Go writes it ("1.5ms", "2m0s") or a number of ns."""
    if v is None or v == "":
        return 0
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return int(v)
    if not isinstance(v, str):
        raise ProtocolError("handshake: a duration is not a string or a number")
    s, sign = v, 1
    if s[:1] in "+-":
        sign, s = (-1 if s[0] == "-" else 1), s[1:]
    if s == "0":
        return 0
    pos, total = 0, 0.0
    for m in _DURATION.finditer(s):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_NS[m.group(2)]
        pos = m.end()
    if pos != len(s) or not s:
        raise ProtocolError("handshake: bad duration %r" % v)
    return sign * int(total)


class Session:
    """One session on a byte stream: the task and result queues of a Worker.

    get() hands out the values of the batch being served, then the next
    batch's, reading frames as it needs them and answering the control
    frames in between; it returns None when the session ends. put() takes
    the worker's results; a batch's Results frame goes out once it has
    them all.
    """

    def __init__(self, rfd, wfd, name):
        self.rfd, self.wfd, self.name = rfd, wfd, name
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.max_frame = MAX_HANDSHAKE_FRAME
        self.payload = 1
        self.wait_ns = self.cpu_ns = 0
        self.served = 0
        self.values = []  # the values of the batch being served, in order
        self.next = 0  # the next of them to hand out
        self.batch = None  # (tag, count, ids, started_ns) of the batch being served
        self.results = []
        self.done = False

    # reading and writing

    def flush(self):
        if not self.outbuf:
            return
        with memoryview(self.outbuf) as view:
            off = 0
            while off < len(view):
                with view[off:] as part:
                    off += os.write(self.wfd, part)
        del self.outbuf[:]

    def fill(self, n):
        """Reads until n bytes are buffered; False at a clean end of stream."""
        while len(self.inbuf) < n:
            self.flush()  # nothing more to read at once: answer what we have
            chunk = os.read(self.rfd, 1 << 16)
            if not chunk:
                if self.inbuf:
                    raise ProtocolError("the stream ended inside a frame")
                return False
            self.inbuf += chunk
        return True

    def read_frame(self):
        """The next frame as (type, count, aux, body), or None at the end."""
        if not self.fill(HEADER.size):
            return None
        magic, version, ftype, count, aux, length = HEADER.unpack_from(self.inbuf)
        if magic != MAGIC:
            raise ProtocolError("bad magic %r" % bytes(magic))
        if version != VERSION:
            raise ProtocolError("protocol version %d, want %d" % (version, VERSION))
        if HEADER.size + length > self.max_frame:
            raise ProtocolError("a frame of %d bytes is over the limit of %d" % (HEADER.size + length, self.max_frame))
        if ftype == TASKS:
            if aux > MAX_PAYLOAD or (count > 0 and aux == 0) or length != 8 + count * (8 + 8 * aux):
                raise ProtocolError("a tasks frame of %d tasks, K=%d and %d bytes" % (count, aux, length))
        elif count or aux:
            raise ProtocolError("a frame of type %d with a count or K" % ftype)
        if not self.fill(HEADER.size + length):
            raise ProtocolError("the stream ended inside a frame")
        body = bytes(self.inbuf[HEADER.size:HEADER.size + length])
        del self.inbuf[:HEADER.size + length]
        return ftype, count, aux, body

    def refuse(self, reason):
        self.outbuf += frame(ERROR, reason.encode()[:1024])
        self.flush()

    # the handshake

    def handshake(self):
        f = self.read_frame()
        if f is None:
            return False
        ftype, _, _, body = f
        if ftype != HELLO:
            raise ProtocolError("handshake: want a hello, got frame type %d" % ftype)
        try:
            hello = json.loads(body)
            spec = hello["workload"]
            name, payload = spec["name"], spec.get("payload", 1)
        except (ValueError, KeyError, TypeError):
            raise ProtocolError("handshake: a hello that is not the protocol's JSON")
        if name != "doubling":
            raise ProtocolError('handshake: unknown workload "%s" (known: [doubling])' % str(name)[:64])
        if not isinstance(payload, int) or isinstance(payload, bool) or not 1 <= payload <= MAX_PAYLOAD:
            raise ProtocolError("handshake: payload %r outside 1 to %d" % (payload, MAX_PAYLOAD))
        self.payload = payload
        self.cpu_ns, self.wait_ns = duration_ns(spec.get("cpu")), duration_ns(spec.get("wait"))
        if self.cpu_ns < 0 or self.wait_ns < 0 or self.cpu_ns + self.wait_ns > 10 * 10**9:
            raise ProtocolError("handshake: cpu and wait must be 0 to 10s")
        welcome = {"node": self.name or str(hello.get("node", ""))[:64], "pid": os.getpid(),
                   "host": socket.gethostname(), "go_version": "python" + sys.version.split()[0]}
        self.outbuf += frame(WELCOME, json.dumps(welcome).encode())
        self.flush()
        self.max_frame = MAX_FRAME
        return True

    # the worker's queues

    def get(self):
        while self.next == len(self.values):
            if self.batch is not None:
                self.answer()
            if self.done or not self.control():
                self.done = True
                return None
        v = self.values[self.next]
        self.next += 1
        return v

    def put(self, result):
        self.results.append(result)

    def control(self):
        """Reads frames, answering all but Tasks, until a batch is to be
        served (True) or the session ends (False)."""
        while True:
            f = self.read_frame()
            if f is None:
                return False
            ftype, count, aux, body = f
            if ftype == TASKS:
                started = time.monotonic_ns()
                tag, = struct.unpack_from("<Q", body)
                rows = struct.unpack_from("<%dq" % (count * (1 + aux)), body, 8)
                ids = rows[::1 + aux]
                if aux == 1:
                    self.values = rows[1::2]
                else:
                    self.values = [v for i in range(count) for v in rows[i * (1 + aux) + 1:(i + 1) * (1 + aux)]]
                self.next, self.results = 0, []
                self.batch = (tag, count, aux, ids, started)
                if count == 0:
                    self.answer()  # the end marker: an empty result, last
                    continue
                return True
            if ftype == STATS_REQUEST:
                ru = resource.getrusage(resource.RUSAGE_SELF)
                stats = {"user_ns": int(ru.ru_utime * 1e9), "sys_ns": int(ru.ru_stime * 1e9),
                         "max_rss_kb": ru.ru_maxrss, "tasks": self.served}
                self.outbuf += frame(STATS, json.dumps(stats).encode())
                continue
            if ftype in (BYE, ERROR):
                return False
            raise ProtocolError("unexpected frame type %d" % ftype)

    def answer(self):
        tag, count, aux, ids, started = self.batch
        self.batch = None
        if count and (self.cpu_ns or self.wait_ns):
            for _ in range(count):
                end = time.thread_time_ns() + self.cpu_ns
                while time.thread_time_ns() < end:
                    pass
                if self.wait_ns:
                    time.sleep(self.wait_ns / 1e9)
        if len(self.results) != count * aux:
            raise ProtocolError("the worker returned %d values for %d" % (len(self.results), count * aux))
        rows = [0] * (count * (1 + aux))
        rows[::1 + aux] = ids
        for j in range(aux):
            rows[1 + j::1 + aux] = self.results[j::aux]
        service = time.monotonic_ns() - started
        self.outbuf += frame(RESULTS, struct.pack("<Qq%dq" % len(rows), tag, service, *rows), count, aux)
        self.served += count


def serve(rfd, wfd, name):
    """Serves one session on rfd/wfd; returns 0 when it ended as it should."""
    s = Session(rfd, wfd, name)
    try:
        if not s.handshake():
            return 0
        Worker(name, s, s).run()
        s.flush()
        return 0
    except ProtocolError as e:
        s.refuse(str(e))
        print("%s: %s" % (name or "worker", e), file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


def listen(addr):
    """Serves sessions on a loopback TCP address, one at a time, for --nodes."""
    host, _, port = addr.rpartition(":")
    if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        print("worker.py: --listen serves loopback only (this worker has no token)", file=sys.stderr)
        return 2
    srv = socket.create_server((host.strip("[]"), int(port)))
    print("snbench-node listening %s:%d" % srv.getsockname()[:2], flush=True)
    while True:
        conn, _ = srv.accept()
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            serve(conn.fileno(), conn.fileno(), "py-tcp")


def main(argv):
    if len(argv) == 3 and argv[1] == "--listen":
        return listen(argv[2])
    if len(argv) != 1:
        print("usage: worker.py [--listen 127.0.0.1:PORT]", file=sys.stderr)
        return 2
    return serve(0, 1, os.environ.get("SNBENCH_NODE_NAME", ""))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
