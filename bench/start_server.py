#!/usr/bin/env python3
"""Start assistants-mock pinned to one core and time it until it is ready.

    start_server.py --log FILE [--core N | --cores N,M...] [--poll-core N]
                    [--poll-sleep SECONDS] -- BINARY [ARG]...

Picks a free port, appends "--port PORT" to the command, spawns it with its
stdout and stderr going to FILE and its CPU affinity set to --core (default
0), or to the cores of --cores, then polls from --poll-core (default 1) in a
tight loop until GET /v1/Assistants with alice's Basic auth answers 200. The
timer starts just before the spawn, after Python's own start-up, so that is
not counted. With --poll-sleep the poller sleeps that long between probes
instead of spinning (so that it leaves the server's cores alone when the
poll core is one of them; the figure is then up to that much late).

Prints one line "PID PORT READY_MS" when ready, then stays the server's
parent until it exits (so it is reaped; the caller stops it by PID, and
SIGTERM or SIGINT here is passed on to it), and exits with its status.
Exits 1 if the server dies or is not ready within --timeout seconds (default
120); the server is killed then.

Python 3 standard library only.

SPDX-License-Identifier: MIT
"""

import argparse
import base64
import os
import signal
import socket
import subprocess
import sys
import time

AUTH = base64.b64encode(
    b"ACa11ce000000000000000000000000001:alice-auth-token").decode()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(port):
    """Return the HTTP status of one list request, or None if refused."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return None
    try:
        s.sendall(("GET /v1/Assistants?PageSize=1 HTTP/1.1\r\n"
                   "Host: 127.0.0.1:%d\r\n"
                   "Authorization: Basic %s\r\n"
                   "Connection: close\r\n\r\n" % (port, AUTH)).encode())
        head = b""
        while b"\r\n" not in head:
            chunk = s.recv(256)
            if not chunk:
                return None
            head += chunk
        parts = head.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 else None
    except (OSError, ValueError):
        return None
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--core", type=int, default=0)
    ap.add_argument("--cores", default=None,
                    help="comma-separated cores for the server")
    ap.add_argument("--poll-core", type=int, default=1)
    ap.add_argument("--poll-sleep", type=float, default=0.0)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("missing server command")

    port = free_port()
    cmd = cmd + ["--port", str(port)]
    log = open(args.log, "wb")
    # The child inherits this affinity; the poller then moves off its core.
    cores = ({int(c) for c in args.cores.split(",")} if args.cores
             else {args.core})
    os.sched_setaffinity(0, cores)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT)
    os.sched_setaffinity(0, {args.poll_core})
    deadline = t0 + args.timeout
    while True:
        status = probe(port)
        if status == 200:
            ms = (time.perf_counter() - t0) * 1000.0
            break
        if proc.poll() is not None:
            sys.stderr.write("start_server: server exited with %d, see %s\n"
                             % (proc.returncode, args.log))
            return 1
        if time.perf_counter() > deadline:
            proc.send_signal(signal.SIGKILL)
            sys.stderr.write("start_server: not ready after %gs\n"
                             % args.timeout)
            return 1
        if args.poll_sleep > 0:
            time.sleep(args.poll_sleep)
    print("%d %d %.1f" % (proc.pid, port, ms), flush=True)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, f: proc.send_signal(s))
    return 0 if proc.wait() == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
