// Built-in Lua scripts for the canary Ingress, one per ingress class, keyed by `classType`.
// They are our own code, written to return exactly what upstream's
// lua_configuration/trafficrouting_ingress/<class>.lua return (v0.6.2), including its quirks:
// aliyun-alb also writes `order: "1"`; mse clears `mse.ingress.kubernetes.io/canary-by-query*`
// but writes `nginx.ingress.kubernetes.io/canary-by-query*`, and never clears
// `request-header-control-update`. Only the first header (and, for mse, first query
// parameter) of each match is used; a header named `canary-by-cookie` becomes a cookie rule.
//
// Input `obj`: annotations (the canary Ingress's current map), weight ("N", or "-1" for "no
// weight"), matches, canaryService, requestHeaderModifier. Output: the whole annotation map.
//
// Where upstream's higress, aliyun-alb and mse scripts crash on an absent field (a match with
// no headers, no annotations, a header modifier without `set`), these treat it as empty.

/** nginx-style canary annotations under `prefix`, shared shape of nginx, higress and alb. */
function canaryAnnotationsScript(prefix: string, extra: string): string {
  return `
local p = "${prefix}"
local annotations = obj.annotations or {}
annotations[p .. "canary"] = "true"
for _, key in ipairs({ "canary-by-cookie", "canary-by-header", "canary-by-header-pattern",
                       "canary-by-header-value", "canary-weight" }) do
  annotations[p .. key] = nil
end
${extra}
if obj.weight ~= "-1" then
  annotations[p .. "canary-weight"] = obj.weight
end
for _, match in ipairs(obj.matches or {}) do
  local header = match.headers and match.headers[1]
  if header and header.name == "canary-by-cookie" then
    annotations[p .. "canary-by-cookie"] = header.value
  elseif header then
    annotations[p .. "canary-by-header"] = header.name
    if header.type == "RegularExpression" then
      annotations[p .. "canary-by-header-pattern"] = header.value
    else
      annotations[p .. "canary-by-header-value"] = header.value
    end
  end
end
return annotations
`;
}

const nginxScript = canaryAnnotationsScript("nginx.ingress.kubernetes.io/", "");

const mseScript = `
local nginx, mse = "nginx.ingress.kubernetes.io/", "mse.ingress.kubernetes.io/"
local annotations = obj.annotations or {}
annotations[nginx .. "canary"] = "true"
for _, key in ipairs({ "canary-by-cookie", "canary-by-header", "canary-by-header-pattern",
                       "canary-by-header-value", "canary-weight" }) do
  annotations[nginx .. key] = nil
end
for _, key in ipairs({ "canary-by-query", "canary-by-query-pattern", "canary-by-query-value" }) do
  annotations[mse .. key] = nil
end
if obj.weight ~= "-1" then
  annotations[nginx .. "canary-weight"] = obj.weight
end
if annotations[mse .. "service-subset"] then
  annotations[mse .. "service-subset"] = "gray"
end
if obj.requestHeaderModifier then
  local pairsText = {}
  for _, header in ipairs(obj.requestHeaderModifier.set or {}) do
    pairsText[#pairsText + 1] = header.name .. " " .. header.value
  end
  annotations[mse .. "request-header-control-update"] = table.concat(pairsText)
end
for _, match in ipairs(obj.matches or {}) do
  local header = match.headers and match.headers[1]
  if header and header.name == "canary-by-cookie" then
    annotations[nginx .. "canary-by-cookie"] = header.value
  elseif header then
    annotations[nginx .. "canary-by-header"] = header.name
    if header.type == "RegularExpression" then
      annotations[nginx .. "canary-by-header-pattern"] = header.value
    else
      annotations[nginx .. "canary-by-header-value"] = header.value
    end
  end
  local query = match.queryParams and match.queryParams[1]
  if query then
    annotations[nginx .. "canary-by-query"] = query.name
    if query.type == "RegularExpression" then
      annotations[nginx .. "canary-by-query-pattern"] = query.value
    else
      annotations[nginx .. "canary-by-query-value"] = query.value
    end
  end
end
return annotations
`;

export const builtinIngressScripts: Readonly<Record<string, string>> = {
  nginx: nginxScript,
  higress: nginxScript,
  "aliyun-alb": canaryAnnotationsScript("alb.ingress.kubernetes.io/", 'annotations[p .. "order"] = "1"'),
  mse: mseScript,
};
