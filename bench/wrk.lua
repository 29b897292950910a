-- wrk script for bench/run.sh.
--
--   wrk ... -s bench/wrk.lua URL [-- PATHS_FILE]
--
-- Without an argument every request is the URL's (plus the -H headers).
-- With PATHS_FILE (one "path?query" a line) requests cycle through those
-- paths, pre-formatted once in init() so the Lua cost per request is a table
-- lookup; without it no Lua runs per request. done() prints one machine-readable line:
--   RESULT rps=R p50_us=A p99_us=B requests=N status=S connect=C read=R
--          write=W timeout=T
-- where status counts responses >= 400 (wrk's own "non-2xx/3xx" counter).
--
-- SPDX-License-Identifier: MIT

local reqs = nil
local n = 0
local i = 0

function init(args)
   local file = args[1]
   if file == nil or file == "" then
      return
   end
   reqs = {}
   for line in io.lines(file) do
      if line ~= "" then
         n = n + 1
         reqs[n] = wrk.format(nil, line)
      end
   end
   if n == 0 then
      error("no paths in " .. file)
   end
   -- Defined only here: without it wrk sends one static request, no Lua.
   request = function()
      i = i % n + 1
      return reqs[i]
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "RESULT rps=%.1f p50_us=%.1f p99_us=%.1f requests=%d status=%d " ..
      "connect=%d read=%d write=%d timeout=%d\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99),
      summary.requests, e.status, e.connect, e.read, e.write, e.timeout))
end
