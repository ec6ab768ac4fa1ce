import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import Handlebars from "handlebars";
import { parameterDefaults } from "./parameters.js";

/**
 * How `{{param}}` renders: `install` writes the defaults (plain YAML for kubectl), `addon` writes a
 * token that cue-value.ts turns into a reference to the addon parameter, so `vela addon enable`
 * arguments reach the objects.
 */
export type ParamMode = "install" | "addon";

const tokenPrefix = "__param_";
const tokenSuffix = "__";
export const paramToken = (name: string): string => `${tokenPrefix}${name}${tokenSuffix}`;
export const paramTokenPattern = /__param_([A-Za-z][A-Za-z0-9]*)__/g;

export function createHandlebars(templatesDir: string, mode: ParamMode): typeof Handlebars {
  const hb = Handlebars.create();
  const defaults = parameterDefaults();
  const lookup = (name: string): string | number => {
    const value = defaults[name];
    if (value === undefined) throw new Error(`unknown addon parameter ${name}`);
    return value;
  };
  // A whole YAML scalar; JSON quoting is valid YAML and keeps numbers numbers.
  hb.registerHelper("param", (name: string) =>
    JSON.stringify(mode === "install" ? lookup(name) : paramToken(name)),
  );
  // Text inside a quoted YAML string.
  hb.registerHelper("paramText", (name: string) => {
    const value = mode === "install" ? String(lookup(name)) : paramToken(name);
    return JSON.stringify(value).slice(1, -1);
  });
  hb.registerHelper("json", (value: unknown) => JSON.stringify(value));
  const partialsDir = join(templatesDir, "partials");
  for (const file of readdirSync(partialsDir).sort()) {
    hb.registerPartial(basename(file, ".hbs"), readFileSync(join(partialsDir, file), "utf8"));
  }
  return hb;
}

export function renderTemplate(hb: typeof Handlebars, file: string, context: object): string {
  // noEscape: the output is YAML, CUE and Markdown, never HTML.
  return hb.compile(readFileSync(file, "utf8"), { noEscape: true, strict: true })(context);
}
