-- wrk script for bench/run.sh, case 10: SendMessage per second.
--
--   wrk ... -H "Authorization: Basic ..." -s bench/wrk_send.lua \
--       URL/v1/Assistants/ID/Messages [-- RING [SESSIONS]]
--
-- Every request is POST to the URL's path with a small JSON body
-- {"identity":"bench","body":"hello N","session_id":"bench-K"}
-- (Content-Type: application/json, plus the -H headers), K cycling through
-- SESSIONS (default 64) session ids so that after the first SESSIONS
-- requests every message goes to an existing session. RING (default 1024)
-- distinct requests are formatted once in init() and cycled, so the Lua cost
-- per request is a table lookup. A response() hook counts the responses that
-- are not 200. done() prints one machine-readable line, the same as
-- bench/wrk.lua's plus two fields:
--   RESULT rps=R p50_us=A p99_us=B requests=N status=S connect=C read=R
--          write=W timeout=T non200=K bad_status=X
-- where rps counts only the 200s (requests - non200 over the duration),
-- status counts responses >= 400 (wrk's own counter), non200 every response
-- that is not 200 and bad_status is the last such status (0 when none).
--
-- SPDX-License-Identifier: MIT

local reqs = {}
local n = 0
local i = 0

-- Per-thread globals, read from done() through thread:get().
non200 = 0
bad_status = 0

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
end

function init(args)
   local ring = tonumber(args[1] ~= "" and args[1] or nil) or 1024
   local sessions = tonumber(args[2]) or 64
   local headers = {}
   for k, v in pairs(wrk.headers) do
      headers[k] = v
   end
   headers["Content-Type"] = "application/json"
   for k = 1, ring do
      n = n + 1
      reqs[n] = wrk.format("POST", wrk.path, headers, string.format(
         '{"identity":"bench","body":"hello %d","session_id":"bench-%d"}',
         k, (k - 1) % sessions))
   end
end

function request()
   i = i % n + 1
   return reqs[i]
end

function response(status, headers, body)
   if status ~= 200 then
      non200 = non200 + 1
      bad_status = status
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local bad, last = 0, 0
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non200") or 0)
      local s = t:get("bad_status") or 0
      if s ~= 0 then
         last = s
      end
   end
   io.write(string.format(
      "RESULT rps=%.1f p50_us=%.1f p99_us=%.1f requests=%d status=%d " ..
      "connect=%d read=%d write=%d timeout=%d non200=%d bad_status=%d\n",
      (summary.requests - bad) / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99),
      summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
      bad, last))
end
