#!/usr/bin/env python3
"""A paced writer: creates assistants at a steady rate (bench/run.sh case 8).

    writer.py --port PORT [--rate 1000] [--host 127.0.0.1]
              [--account SID --token TOKEN] [--seconds S] [--core N]

POSTs {"name":"writer N","owner":"w"} to /v1/Assistants over one keep-alive
connection (http.client), --rate times a second on an absolute schedule: it
sleeps until each request's due time and, when late, sends at once to catch
up, but never runs more than 0.1 s (--rate/10 requests) behind, so a stall
is not followed by a long burst; what is given up that way shows in the
achieved rate. Pinned to --core when given.

Prints "READY" on stdout after the first response, then runs until SIGTERM
or SIGINT (or for --seconds), then prints one line
    WRITER rate=R sent=N created=C non201=K bad_status=X errors=E seconds=T
with R = created / T, T measured from the first request to the stop, K the
responses that were not 201 (X the last such status, 0 when none) and E the
connection errors (each followed by a reconnect). Exits 0, or 1 when K or
E is not 0.

Python 3 standard library only.

SPDX-License-Identifier: MIT
"""

import argparse
import base64
import http.client
import os
import signal
import sys
import time

stop = False


def on_signal(signum, frame):
    global stop
    stop = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--account", default="ACa11ce000000000000000000000000001")
    ap.add_argument("--token", default="alice-auth-token")
    ap.add_argument("--seconds", type=float, default=0.0,
                    help="stop after this long (default: run until a signal)")
    ap.add_argument("--core", type=int, default=None)
    args = ap.parse_args()
    if args.core is not None:
        os.sched_setaffinity(0, {args.core})
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    auth = "Basic " + base64.b64encode(
        ("%s:%s" % (args.account, args.token)).encode()).decode()
    headers = {"Authorization": auth, "Content-Type": "application/json"}
    interval = 1.0 / args.rate
    max_lag = max(1, int(args.rate / 10)) * interval

    conn = http.client.HTTPConnection(args.host, args.port, timeout=10)
    sent = created = non201 = bad_status = errors = 0
    t0 = time.perf_counter()
    due = t0
    end = t0 + args.seconds if args.seconds > 0 else None
    while not stop:
        now = time.perf_counter()
        if end is not None and now >= end:
            break
        if due > now:
            time.sleep(due - now)
            if stop:
                break
        elif now - due > max_lag:
            due = now - max_lag
        body = '{"name":"writer %d","owner":"w"}' % sent
        sent += 1
        try:
            conn.request("POST", "/v1/Assistants", body, headers)
            r = conn.getresponse()
            r.read()
            if r.status == 201:
                created += 1
            else:
                non201 += 1
                bad_status = r.status
        except (OSError, http.client.HTTPException) as e:
            errors += 1
            if errors <= 3:
                sys.stderr.write("writer: %s\n" % e)
            conn.close()
        if sent == 1:
            print("READY", flush=True)
        due += interval
    secs = time.perf_counter() - t0
    conn.close()
    print("WRITER rate=%.1f sent=%d created=%d non201=%d bad_status=%d "
          "errors=%d seconds=%.3f" % (created / secs if secs > 0 else 0.0,
                                      sent, created, non201, bad_status,
                                      errors, secs), flush=True)
    return 0 if non201 == 0 and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
