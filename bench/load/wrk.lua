-- bench.load's second client: wrk (C, one event loop per thread) replays the requests that
-- `python -m bench.load` drew for it, so both clients send the same workload.
--
-- BENCH_LOAD_REQUESTS names the file of requests: for each request a line with its length in
-- bytes, then the raw HTTP/1.1 request (request line, headers, blank line, body), byte for byte
-- what httpx sends. Each thread cycles through the whole list, starting at its own offset.
-- Answers are counted by status per thread; done() adds them up and prints one JSON line that
-- starts with "bench.load " for the harness.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

local function load_requests(path)
   local f = assert(io.open(path, "rb"))
   local data = f:read("*a")
   f:close()
   local list, pos = {}, 1
   while pos <= #data do
      local nl = assert(data:find("\n", pos, true), "bad requests file")
      local len = tonumber(data:sub(pos, nl - 1))
      list[#list + 1] = data:sub(nl + 1, nl + len)
      pos = nl + len + 1
   end
   return list
end

function init(args)
   requests = load_requests(assert(os.getenv("BENCH_LOAD_REQUESTS"), "BENCH_LOAD_REQUESTS"))
   count = #requests
   local nthreads = tonumber(os.getenv("BENCH_LOAD_THREADS") or "1")
   index = math.floor((id - 1) * count / nthreads)  -- request() adds 1 first
   statuses = {}
end

function request()
   index = index + 1
   if index > count then
      index = 1
   end
   return requests[index]
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, _)
   local total = {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses") or {}) do
         total[status] = (total[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(total) do
      parts[#parts + 1] = string.format('"%d": %d', status, n)
   end
   local e = summary.errors
   io.write(string.format(
      'bench.load {"duration_us": %d, "requests": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"status": {%s}, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, ' ..
      '"max_us": %d}\n',
      summary.duration, summary.requests, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ", "),
      latency:percentile(50), latency:percentile(95), latency:percentile(99),
      latency.mean, latency.max))
end
