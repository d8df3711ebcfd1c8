-- wrk script: replays pre-signed Twilio webhook requests, whole calls in order.
--
--   [REPLAY_INTERVAL_US=I REPLAY_THREADS=N] wrk -t N -c N -s bench/replay.lua URL -- DIR
--
-- DIR holds one file per thread (<thread number>.req) of raw HTTP requests separated by NUL
-- bytes, written by bench/webhooks.py. One connection per thread keeps the requests of a call in
-- order. A response counts as bad unless it is 200 with a TwiML <Response> document.
--
-- Latency is timed here, on the monotonic clock, from request() (called just before the request
-- is written) to response() (called once it is complete). wrk's own latency statistics are not
-- used: on the benchmark machines they disagreed with a packet capture of the same run and with
-- Little's law (a mean of 3.4 ms where 4 connections at 5,281 requests/s leave at most 0.76 ms
-- per request), while these agreed with both (mean 0.77 ms).
--
-- done() prints, besides wrk's counts (WRK_RESULT), one WRK_ANSWERS line per thread: when each
-- answer was complete and how long it took, in microseconds on that clock. bench/wrk.py counts
-- requests/s and the latencies from the answers of the span in which all threads were sending.
-- wrk's own requests/s does not do for that: it divides all answers by the time since the last
-- thread was started, but wrk starts each thread as soon as init() has read its file, so the first
-- ones are answered for a while before that (0.3–0.8 s with files of 40,000 requests).
--
-- With REPLAY_INTERVAL_US each connection sends on a fixed schedule, one request every I
-- microseconds (N connections: N / I requests per microsecond in all), instead of as fast as
-- the answers come. (An environment variable: wrk decides whether to call delay() before it
-- hands the arguments to init().) Latency is then counted from when a request was due, not from when
-- it went out: an answer that comes late delays the requests behind it, and their wait counts
-- too (no coordinated omission).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } replay_timespec;
  int clock_gettime(int clock, replay_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("replay_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000000 + tonumber(timespec.tv_nsec) / 1000
end

interval_us = assert(tonumber(os.getenv("REPLAY_INTERVAL_US") or "0"), "REPLAY_INTERVAL_US: a number")

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
  answered = 0
  answered_at = {}
  took = {}
  if interval_us > 0 then
    -- The connections start spread over one interval rather than all at once.
    due = now_us() + interval_us * number / tonumber(os.getenv("REPLAY_THREADS") or "1")
  end
end

function request()
  index = index + 1
  if index > #pending then
    index = 1
    wrapped = wrapped + 1
  end
  started = now_us()
  if interval_us > 0 then
    -- Sent late (the previous answer came after this one was due): counted from when it was
    -- due. Sent early (delay() rounds to whole milliseconds): counted from now.
    started = math.min(due, started)
  end
  return pending[index]
end

if interval_us > 0 then
  function delay()
    -- Called after each answer: wait until the next request is due.
    due = due + interval_us
    return math.max(0, math.floor((due - now_us()) / 1000))
  end
end

function response(status, headers, body)
  local now = now_us()
  answered = answered + 1
  answered_at[answered] = now
  took[answered] = now - started
  if status ~= 200 or not body:find("<Response", 1, true) then
    bad = bad + 1
    if bad_sample == "" then
      bad_sample = (status .. " " .. body:sub(1, 200)):gsub("[^%w%p ]", " "):gsub('["\\]', "'")
    end
  end
end

local function microseconds(values)
  local out = {}
  for n = 1, #values do
    out[n] = string.format("%d", values[n])
  end
  return table.concat(out, ",")
end

function done(summary, latency, requests)
  local bad_total, wrapped_total, sample = 0, 0, ""
  for number, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    wrapped_total = wrapped_total + thread:get("wrapped")
    if sample == "" then
      sample = thread:get("bad_sample")
    end
    io.write(string.format('WRK_ANSWERS {"thread": %d, "answered_at_us": [%s], "latency_us": [%s]}\n',
      number - 1, microseconds(thread:get("answered_at")), microseconds(thread:get("took"))))
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "status_errors": %d, "timeouts": %d, "bad": %d, "wrapped": %d, '
      .. '"paced": %s, "bad_sample": "%s"}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write, errors.status,
    errors.timeout, bad_total, wrapped_total, tostring(interval_us > 0), sample))
end
