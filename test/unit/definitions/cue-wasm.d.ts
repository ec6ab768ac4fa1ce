// cue-wasm ships no types; this is the part of its API the tests use (see node_modules/cue-wasm/lib/index.js).
declare module "cue-wasm" {
  export interface Cue {
    /** Compiles CUE source (CUE v0.4.3) and marshals the whole value to JSON; throws the CUE error text. */
    toJSON(source: string): string;
  }
  export function init(): Promise<Cue>;
}
