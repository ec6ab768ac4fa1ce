// Go-style durations ("15s", "1m30s", "500ms"), because the flags we mirror (client-go's
// --leader-elect-lease-duration and friends) are written that way in existing manifests.

const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!trimmed) throw new Error("empty duration");
  if (/^\d+(\.\d+)?$/.test(trimmed)) throw new Error(`duration "${text}" needs a unit (ms, s, m or h)`);
  let total = 0;
  let rest = trimmed;
  while (rest) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!match) throw new Error(`invalid duration "${text}"`);
    total += Number(match[1]) * (unitMs[match[2] as string] as number);
    rest = rest.slice(match[0].length);
  }
  return total;
}
