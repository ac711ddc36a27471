-- wrk script of bench/api_bench.py: each request is a random line of the file named by
-- API_BENCH_PATHS (one path and query per line); at the end one line "API_BENCH {json}" with
-- the counts, the errors by cause and the latency percentiles in microseconds.

local paths = {}
for line in io.lines(os.getenv("API_BENCH_PATHS")) do
  if #line > 0 then
    paths[#paths + 1] = line
  end
end
if #paths == 0 then
  error("no paths in " .. os.getenv("API_BENCH_PATHS"))
end

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  -- each thread its own sequence of picks
  math.randomseed(os.time() * 1000 + thread_number * 7919)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local errors = summary.errors
  local fields = {
    string.format('"requests": %d', summary.requests),
    string.format('"duration_us": %d', summary.duration),
    string.format('"bytes": %d', summary.bytes),
    string.format('"connect_errors": %d', errors.connect),
    string.format('"read_errors": %d', errors.read),
    string.format('"write_errors": %d', errors.write),
    string.format('"non_2xx_3xx": %d', errors.status),
    string.format('"timeouts": %d', errors.timeout),
    string.format('"mean_us": %.1f', latency.mean),
    string.format('"max_us": %d', latency.max),
  }
  for _, p in ipairs({ 50, 75, 90, 95, 99 }) do
    fields[#fields + 1] = string.format('"p%d_us": %d', p, latency:percentile(p))
  end
  io.write("API_BENCH {" .. table.concat(fields, ", ") .. "}\n")
end
