-- wrk script: replays pre-signed Twilio webhook requests, whole calls in order.
--
--   wrk -t N -c N -s bench/replay.lua URL -- DIR
--
-- DIR holds one file per thread (<thread number>.req) of raw HTTP requests separated by NUL
-- bytes, written by bench/webhooks.py. One connection per thread keeps the requests of a call in
-- order. A response counts as bad unless it is 200 with a TwiML <Response> document.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("number", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1] .. "/" .. number .. ".req", "rb"))
  local data = file:read("*a")
  file:close()
  pending = {}
  for chunk in data:gmatch("([^%z]+)%z") do
    pending[#pending + 1] = chunk
  end
  index = 0
  wrapped = 0
  bad = 0
  bad_sample = ""
end

function request()
  index = index + 1
  if index > #pending then
    index = 1
    wrapped = wrapped + 1
  end
  return pending[index]
end

function response(status, headers, body)
  if status ~= 200 or not body:find("<Response", 1, true) then
    bad = bad + 1
    if bad_sample == "" then
      bad_sample = (status .. " " .. body:sub(1, 200)):gsub("[^%w%p ]", " "):gsub('["\\]', "'")
    end
  end
end

function done(summary, latency, requests)
  local bad_total, wrapped_total, sample = 0, 0, ""
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    wrapped_total = wrapped_total + thread:get("wrapped")
    if sample == "" then
      sample = thread:get("bad_sample")
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "status_errors": %d, "timeouts": %d, "bad": %d, "wrapped": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "bad_sample": "%s"}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write, errors.status,
    errors.timeout, bad_total, wrapped_total, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, sample))
end
