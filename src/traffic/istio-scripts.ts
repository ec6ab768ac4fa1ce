// Built-in Lua scripts for custom network providers, keyed by the path upstream embeds them
// under (lua_configuration/<group>/<Kind>/trafficRouting.lua). Our own code, returning what
// upstream's v0.6.2 scripts return for the same input.
//
// Input `obj`: data {spec, labels, annotations} (the object as it was before the rollout),
// canaryWeight (-1 when the step sets no weight), stableWeight (100 - canaryWeight), matches,
// canaryService, stableService, requestHeaderModifier. Output: data with the new spec.

/**
 * VirtualService. With matches: one route per match is put in front of `spec.http` (so the
 * last match ends up first), sending matching requests to the canary (host `<svc>-canary`, or
 * subset `canary` of the stable host when both names are equal, i.e. a DestinationRule
 * distinguishes versions). Without matches: every http/tcp/tls rule without `match` whose
 * destination host (up to the first dot) is the stable Service has its weights scaled to
 * stableWeight and gets a canary destination with canaryWeight. Upstream visits such a rule
 * once per stable destination in it; so does this script.
 */
const virtualServiceScript = `
local spec = obj.data.spec
local canaryWeight, stableWeight = obj.canaryWeight, obj.stableWeight
if canaryWeight == -1 then
  canaryWeight, stableWeight = 100, 0
end

local function canaryDestination()
  if obj.stableService == obj.canaryService then
    return { host = obj.stableService, subset = "canary" }
  end
  return { host = obj.canaryService }
end

local headerMatchTypes = { Exact = "exact", RegularExpression = "regex", Prefix = "prefix" }
local pathMatchTypes = { Exact = "exact", RegularExpression = "regex", PathPrefix = "prefix" }

-- Gateway API match -> Istio HTTPMatchRequest. An absent type is read as the CRD default.
local function istioMatch(match)
  local result = {}
  if match.path then
    result.uri = { [pathMatchTypes[match.path.type or "PathPrefix"]] = match.path.value }
  end
  for _, field in ipairs({ "headers", "queryParams" }) do
    if match[field] then
      local byName = {}
      for _, rule in ipairs(match[field]) do
        byName[rule.name] = { [headerMatchTypes[rule.type or "Exact"]] = rule.value }
      end
      result[field] = byName
    end
  end
  return result
end

local function headerOperations(modifier)
  local request = {}
  for _, action in ipairs({ "set", "add" }) do
    if modifier[action] then
      local byName = {}
      for _, header in ipairs(modifier[action]) do byName[header.name] = header.value end
      request[action] = byName
    end
  end
  if modifier.remove then
    local names = {}
    for i, name in ipairs(modifier.remove) do names[i] = name end
    request.remove = names
  end
  return { request = request }
end

local function hostName(route)
  local host = route.destination.host
  local dot = string.find(host, ".", 1, true)
  return dot and string.sub(host, 1, dot - 1) or host
end

local function scaleWeights(rule)
  local count = #rule.route
  for _, route in ipairs(rule.route) do
    if route.weight then
      route.weight = math.floor(route.weight * stableWeight / 100)
    else
      route.weight = math.floor(stableWeight / count)
    end
  end
  table.insert(rule.route, { destination = canaryDestination(), weight = canaryWeight })
end

if obj.matches and next(obj.matches) ~= nil then
  for _, match in ipairs(obj.matches) do
    local route = { match = { istioMatch(match) }, route = { { destination = canaryDestination() } } }
    if obj.requestHeaderModifier then
      route.headers = headerOperations(obj.requestHeaderModifier)
    end
    table.insert(spec.http, 1, route)
  end
else
  for _, protocol in ipairs({ "http", "tcp", "tls" }) do
    local visits = {}
    for _, rule in ipairs(spec[protocol] or {}) do
      if rule.match == nil then
        for _, route in ipairs(rule.route) do
          if hostName(route) == obj.stableService then visits[#visits + 1] = rule end
        end
      end
    end
    for _, rule in ipairs(visits) do scaleWeights(rule) end
  end
end
return obj.data
`;

/** DestinationRule: adds the `canary` subset selecting pods labelled istio.service.tag=gray. */
const destinationRuleScript = `
local spec = obj.data.spec
table.insert(spec.subsets, { name = "canary", labels = { ["istio.service.tag"] = "gray" } })
return obj.data
`;

export const builtinCustomScripts: Readonly<Record<string, string>> = {
  "lua_configuration/networking.istio.io/VirtualService/trafficRouting.lua": virtualServiceScript,
  "lua_configuration/networking.istio.io/DestinationRule/trafficRouting.lua": destinationRuleScript,
};
