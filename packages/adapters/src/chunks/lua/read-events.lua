--[[
  Reads a job's events with id > afterId, oldest first. A script so the
  position of afterId (ids are consecutive; the list holds the newest ones) is
  computed against the same list it reads.

  Input:
    KEYS[1] the job's event list

    ARGV[1] afterId
    ARGV[2] limit

  Output:
    array of event JSON (empty when none)
]]
local first = redis.call("LINDEX", KEYS[1], 0)
if not first then return {} end
local start = tonumber(ARGV[1]) - cjson.decode(first).id + 1
if start < 0 then start = 0 end
return redis.call("LRANGE", KEYS[1], start, start + tonumber(ARGV[2]) - 1)
