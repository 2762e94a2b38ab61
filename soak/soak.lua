-- planmap soak: a mixed load for wrk (https://github.com/wg/wrk), run by soak/run.py.
-- Arguments after `--`: <bearer token> <delay ms between a connection's requests> <slugs file>
-- Mix (out of 1000): list 250, one project 170, near-me 150, vector tiles 250, towns 40, stats 40,
-- HTML page 40, writes (new project) 10, history 50.

local token, delay_ms, slugs = nil, 0, {}
local counter = 0
local thread_id = 0

-- a random tile over Lianzhou (lon 112.1..112.7, lat 24.5..25.2) at zoom 8..14
local function lianzhou_tile()
  local z = math.random(8, 14)
  local lon = 112.1 + math.random() * 0.6
  local lat = math.rad(24.5 + math.random() * 0.7)
  local n = 2 ^ z
  local x = math.floor((lon + 180) / 360 * n)
  local y = math.floor((1 - math.log(math.tan(lat) + 1 / math.cos(lat)) / math.pi) / 2 * n)
  return string.format("/tiles/%d/%d/%d.pbf", z, x, y)
end

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  token = args[1]
  delay_ms = tonumber(args[2] or "0")
  for line in io.lines(args[3]) do slugs[#slugs + 1] = line end
  math.randomseed(os.time() + (tid or 0) * 7919)
end

function delay()
  return delay_ms
end

local function feature(slug)
  return '{"type":"Feature","geometry":{"type":"Point","coordinates":[112.55,25.0]},"properties":{'
    .. '"slug":"' .. slug .. '","name_zh":"测试卫生院","name_en":"Soak test clinic","category":"health",'
    .. '"status":"planned","source_quote":"优化各镇(乡)卫生院(卫生服务中心)布局",'
    .. '"location_precision":"town","location_note":"Synthetic project written by the soak test."}}'
end

function request()
  local r = math.random(1000)
  if r <= 250 then
    return wrk.format("GET", "/api/projects?limit=100&offset=" .. math.random(0, 60))
  elseif r <= 420 then
    return wrk.format("GET", "/api/projects/" .. slugs[math.random(#slugs)])
  elseif r <= 570 then
    local lon = 112.1 + math.random() * 0.6
    local lat = 24.5 + math.random() * 0.7
    return wrk.format("GET", string.format("/api/projects?near=%.5f,%.5f&radius_m=%d", lon, lat, 5000 * math.random(1, 4)))
  elseif r <= 820 then
    return wrk.format("GET", lianzhou_tile())
  elseif r <= 860 then
    return wrk.format("GET", "/api/towns")
  elseif r <= 900 then
    return wrk.format("GET", "/api/stats")
  elseif r <= 940 then
    return wrk.format("GET", "/projects/" .. slugs[math.random(#slugs)] .. "?lang=en")
  elseif r <= 950 then
    counter = counter + 1
    local slug = string.format("soak-%d-%d-%d", tid or 0, os.time(), counter)
    return wrk.format("POST", "/api/projects",
      {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, feature(slug))
  else
    return wrk.format("GET", "/api/projects/" .. slugs[math.random(#slugs)] .. "/history")
  end
end

function done(summary, latency, requests)
  local out = string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "latency_us": {"mean": %.1f, "stdev": %.1f, "max": %d, ' ..
    '"p50": %d, "p90": %d, "p99": %d, "p999": %d}}',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout, latency.mean, latency.stdev,
    latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9))
  io.stderr:write("SOAK-JSON " .. out .. "\n")
end
