#!/usr/bin/env python3
"""Collect PageToken paths by walking next_page_url of a running server.

    collect_tokens.py --port P [--page-size 50] [--count 2000]
                      --out FILE --deep FILE

Walks GET /v1/Assistants?PageSize=N from page 0 to the end over one
keep-alive connection with alice's Basic auth, then writes --count paths
(path + query of next_page_url, one a line) spread evenly over the whole
list to --out, and the path of a deep page (a full page near the end) to
--deep. Prints the number of pages walked. Exits 1 on any non-200.

Python 3 standard library only.

SPDX-License-Identifier: MIT
"""

import argparse
import base64
import http.client
import json
import sys
import urllib.parse

AUTH = "Basic " + base64.b64encode(
    b"ACa11ce000000000000000000000000001:alice-auth-token").decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--page-size", type=int, default=50)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--deep", required=True)
    args = ap.parse_args()

    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    path = "/v1/Assistants?PageSize=%d" % args.page_size
    paths = []
    while path:
        conn.request("GET", path, headers={"Authorization": AUTH})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            sys.stderr.write("collect_tokens: %s -> %d %s\n"
                             % (path, resp.status, body[:200]))
            return 1
        # Only meta is parsed: it is the last member of the object.
        meta = json.loads(body[body.rindex(b'"meta":') + 7:-1])
        nxt = meta["next_page_url"]
        if nxt is None:
            break
        u = urllib.parse.urlsplit(nxt)
        path = u.path + "?" + u.query
        paths.append(path)
    conn.close()
    if len(paths) < 2:
        sys.stderr.write("collect_tokens: only %d pages\n" % (len(paths) + 1))
        return 1
    # paths[-1] is the last page (maybe partial); paths[-2] is full.
    with open(args.deep, "w") as f:
        f.write(paths[-2] + "\n")
    n = min(args.count, len(paths))
    with open(args.out, "w") as f:
        for i in range(n):
            f.write(paths[i * (len(paths) - 1) // max(n - 1, 1)] + "\n")
    print(len(paths) + 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
