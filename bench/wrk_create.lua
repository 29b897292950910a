-- wrk script for bench/run.sh, case 7: creates per second.
--
--   wrk ... -H "Authorization: Basic ..." -s bench/wrk_create.lua URL [-- RING]
--
-- Every request is POST to the URL's path with a small JSON body
-- {"name":"bench N","owner":"b"} (Content-Type: application/json, plus the
-- -H headers). RING (default 1024) distinct requests are formatted once in
-- init() and cycled, so the Lua cost per request is a table lookup. A
-- response() hook counts the responses that are not 201. done() prints one
-- machine-readable line, the same as bench/wrk.lua's plus two fields:
--   RESULT rps=R p50_us=A p99_us=B requests=N status=S connect=C read=R
--          write=W timeout=T non201=K bad_status=X
-- where rps counts only the 201s (requests - non201 over the duration),
-- status counts responses >= 400 (wrk's own counter), non201 every response
-- that is not 201 and bad_status is the last such status (0 when none).
--
-- SPDX-License-Identifier: MIT

local reqs = {}
local n = 0
local i = 0

-- Per-thread globals, read from done() through thread:get().
non201 = 0
bad_status = 0

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
end

function init(args)
   local ring = tonumber(args[1] ~= "" and args[1] or nil) or 1024
   local headers = {}
   for k, v in pairs(wrk.headers) do
      headers[k] = v
   end
   headers["Content-Type"] = "application/json"
   for k = 1, ring do
      n = n + 1
      reqs[n] = wrk.format("POST", wrk.path, headers,
         string.format('{"name":"bench %d","owner":"b"}', k))
   end
end

function request()
   i = i % n + 1
   return reqs[i]
end

function response(status, headers, body)
   if status ~= 201 then
      non201 = non201 + 1
      bad_status = status
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local bad, last = 0, 0
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non201") or 0)
      local s = t:get("bad_status") or 0
      if s ~= 0 then
         last = s
      end
   end
   io.write(string.format(
      "RESULT rps=%.1f p50_us=%.1f p99_us=%.1f requests=%d status=%d " ..
      "connect=%d read=%d write=%d timeout=%d non201=%d bad_status=%d\n",
      (summary.requests - bad) / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99),
      summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
      bad, last))
end
