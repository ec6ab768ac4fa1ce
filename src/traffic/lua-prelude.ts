// Lua code loaded into every sandbox before a traffic script runs.
//
// Upstream runs scripts in gopher-lua (Lua 5.1) with only base/table/string/math opened, a
// `json` module (encode/decode) and the input as global `obj`; a script's last returned value
// is converted to JSON with these rules: an empty table is `null`, a table keyed 1..n is an
// array, a table keyed by strings is an object, anything else is an error. The codec below
// reproduces those rules inside the VM, so the conversion runs under the same time and memory
// limits as the script itself and the host only ever exchanges strings with Lua.
//
// Numbers: JSON numbers without a fraction become Lua integers, so that `tostring` and `..`
// print "50" as Lua 5.1 would, rather than "50.0".

export const luaPrelude = String.raw`
dofile, loadfile = nil, nil -- nothing in the sandbox may read files

-- Lua 5.1 names that scripts written for upstream's gopher-lua may use.
unpack = table.unpack
loadstring = load
table.getn = function(t) return #t end
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod

local rawpcall, rawxpcall, rawerror, rawtype = pcall, xpcall, error, type

-- The time limit is raised by the host as a userdata error; a script must not be able to
-- swallow it with pcall and keep looping, so host errors always propagate.
local function rethrowHost(ok, ...)
  if not ok and rawtype((...)) == "userdata" then rawerror((...), 0) end
  return ok, ...
end
pcall = function(f, ...) return rethrowHost(rawpcall(f, ...)) end
xpcall = function(f, handler, ...)
  return rethrowHost(rawxpcall(f, function(e)
    if rawtype(e) == "userdata" then return e end
    return handler(e)
  end, ...))
end

json = {}
do
  local byte, sub, find, char, format, concat, sort = string.byte, string.sub, string.find, string.char,
    string.format, table.concat, table.sort
  local mtype, floor, tointeger, huge = math.type, math.floor, math.tointeger, math.huge

  local function jsonError(message) rawerror({ jsonError = "json: " .. message }, 0) end

  local function utf8char(cp)
    if cp < 0x80 then return char(cp) end
    if cp < 0x800 then return char(0xC0 | (cp >> 6), 0x80 | (cp & 0x3F)) end
    if cp < 0x10000 then return char(0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)) end
    return char(0xF0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3F), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F))
  end

  local unescape = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

  local function skip(s, i) return find(s, "[^ \t\r\n]", i) or #s + 1 end

  local decodeValue

  local function decodeString(s, i)
    local parts, n, j = {}, 0, i + 1
    while true do
      local a = find(s, '["\\\0-\31]', j)
      if not a then jsonError("unterminated string") end
      if a > j then n = n + 1; parts[n] = sub(s, j, a - 1) end
      local c = sub(s, a, a)
      if c == '"' then return concat(parts), a + 1 end
      if c ~= "\\" then jsonError("control character in string") end
      local e = sub(s, a + 1, a + 1)
      if e == "u" then
        local cp = find(s, "^%x%x%x%x", a + 2) and tonumber(sub(s, a + 2, a + 5), 16)
        if not cp then jsonError("invalid unicode escape") end
        j = a + 6
        if cp >= 0xD800 and cp <= 0xDBFF and find(s, "^\\u[dD][c-fC-F]%x%x", j) then
          cp = 0x10000 + ((cp - 0xD800) << 10) + (tonumber(sub(s, j + 2, j + 5), 16) - 0xDC00)
          j = j + 6
        end
        n = n + 1; parts[n] = utf8char(cp)
      else
        local r = unescape[e]
        if not r then jsonError("invalid escape") end
        n = n + 1; parts[n] = r
        j = a + 2
      end
    end
  end

  local function decodeNumber(s, i)
    local a, b = find(s, "^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    local v = a and tonumber(sub(s, a, b))
    if not v then jsonError("invalid number") end
    if mtype(v) == "float" and v == floor(v) and v >= -2^53 and v <= 2^53 then v = tointeger(v) end
    return v, b + 1
  end

  decodeValue = function(s, i)
    i = skip(s, i)
    local c = sub(s, i, i)
    if c == "{" then
      local t = {}
      i = skip(s, i + 1)
      if sub(s, i, i) == "}" then return t, i + 1 end
      while true do
        if sub(s, i, i) ~= '"' then jsonError("expected object key") end
        local k
        k, i = decodeString(s, i)
        i = skip(s, i)
        if sub(s, i, i) ~= ":" then jsonError("expected ':'") end
        t[k], i = decodeValue(s, i + 1)
        i = skip(s, i)
        c = sub(s, i, i)
        if c == "}" then return t, i + 1 end
        if c ~= "," then jsonError("expected ',' or '}'") end
        i = skip(s, i + 1)
      end
    elseif c == "[" then
      local t, n = {}, 0
      i = skip(s, i + 1)
      if sub(s, i, i) == "]" then return t, i + 1 end
      while true do
        n = n + 1
        t[n], i = decodeValue(s, i)
        i = skip(s, i)
        c = sub(s, i, i)
        if c == "]" then return t, i + 1 end
        if c ~= "," then jsonError("expected ',' or ']'") end
        i = i + 1
      end
    elseif c == '"' then
      return decodeString(s, i)
    elseif find(s, "^true", i) then
      return true, i + 4
    elseif find(s, "^false", i) then
      return false, i + 5
    elseif find(s, "^null", i) then
      return nil, i + 4
    end
    return decodeNumber(s, i)
  end

  -- Escaped like Go's encoding/json, so json.encode output matches upstream byte for byte.
  local escape = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
  local function escapeChar(c) return escape[c] or format("\\u%04x", byte(c)) end
  local function encodeString(s)
    s = s:gsub('[\0-\31"\\<>&]', escapeChar):gsub("\226\128([\168\169])", function(c)
      return c == "\168" and "\\u2028" or "\\u2029"
    end)
    return '"' .. s .. '"'
  end

  local function encodeNumber(v)
    if mtype(v) == "integer" then return format("%d", v) end
    if v ~= v or v == huge or v == -huge then jsonError("unsupported value: " .. tostring(v)) end
    if v == floor(v) and v > -2^63 and v < 2^63 then return format("%d", tointeger(v)) end
    local text = format("%.15g", v)
    if tonumber(text) ~= v then text = format("%.17g", v) end
    return text
  end

  local encodeValue

  local function encodeTable(t, open)
    if open[t] then jsonError("cannot encode recursively nested tables to JSON") end
    local first = next(t)
    if first == nil then return "null" end
    open[t] = true
    local out, count = {}, 0
    if mtype(first) ~= nil then
      for k in pairs(t) do
        if mtype(k) ~= "integer" then jsonError("cannot encode mixed or invalid key types") end
        count = count + 1
      end
      for i = 1, count do
        if t[i] == nil then jsonError("cannot encode sparse array") end
        out[i] = encodeValue(t[i], open)
      end
      open[t] = nil
      return "[" .. concat(out, ",") .. "]"
    elseif rawtype(first) == "string" then
      local keys = {}
      for k in pairs(t) do
        if rawtype(k) ~= "string" then jsonError("cannot encode mixed or invalid key types") end
        count = count + 1
        keys[count] = k
      end
      sort(keys)
      for i, k in ipairs(keys) do out[i] = encodeString(k) .. ":" .. encodeValue(t[k], open) end
      open[t] = nil
      return "{" .. concat(out, ",") .. "}"
    end
    jsonError("cannot encode mixed or invalid key types")
  end

  encodeValue = function(v, open)
    local kind = rawtype(v)
    if kind == "nil" then return "null" end
    if kind == "boolean" then return v and "true" or "false" end
    if kind == "number" then return encodeNumber(v) end
    if kind == "string" then return encodeString(v) end
    if kind == "table" then return encodeTable(v, open) end
    jsonError("cannot encode " .. kind .. " to JSON")
  end

  -- Both return nil plus a message on failure, as upstream's json module does.
  local function protect(ok, value, ...)
    if ok then return value, ... end
    if rawtype(value) == "table" and value.jsonError then return nil, value.jsonError end
    rawerror(value, 0)
  end

  function json.encode(v) return protect(rawpcall(encodeValue, v, {})) end

  function json.decode(s)
    if rawtype(s) ~= "string" then return nil, "json: decode expects a string" end
    return protect(rawpcall(function()
      local v, i = decodeValue(s, 1)
      if skip(s, i) <= #s then jsonError("trailing data after value") end
      return v
    end))
  end
end
`;

// Runs one script. Everything it needs is captured in locals first, because the script shares
// the global table and may overwrite any global. The reply is a single string "<status>\n<text>":
// strings are the one type that crosses the host boundary without any conversion.
export const luaRunner = String.raw`
local key, source, input = __traffic_key, __traffic_script, __traffic_input
__traffic_key, __traffic_script, __traffic_input = nil, nil, nil
local rawpcall, rawerror, rawtype, rawtostring, pack, encode, decode =
  pcall, error, type, tostring, table.pack, json.encode, json.decode

local chunk, syntaxError = load(source, "=" .. key, "t")
if not chunk then return "lua-syntax\n" .. syntaxError end
obj = decode(input)

local results = pack(rawpcall(chunk))
if not results[1] then
  local e = results[2]
  if rawtype(e) == "userdata" then rawerror(e, 0) end
  if e == "not enough memory" then return "lua-memory\n" .. e end
  return "lua-runtime\n" .. rawtostring(e)
end
-- upstream reads the top of the Lua stack: the last value the script returned
local value = results.n > 1 and results[results.n] or nil
if rawtype(value) ~= "table" then
  return "lua-result\nexpect table output from Lua script, not " .. rawtype(value)
end
local text, encodeError = encode(value)
if not text then return "lua-result\n" .. encodeError end
return "ok\n" .. text
`;
