// Colour only for people: a TTY without NO_COLOR (https://no-color.org), or FORCE_COLOR set.
// Pipes, files and CI logs get plain text, so snapshots and greps see stable output. The SGR
// codes are written here rather than through util.styleText, whose own environment checks
// differ between Node versions and would override the decision made here.

export type Color = "green" | "yellow" | "red" | "cyan" | "gray" | "bold";

export type Paint = (color: Color, text: string) => string;

const codes: Record<Color, [number, number]> = {
  green: [32, 39],
  yellow: [33, 39],
  red: [31, 39],
  cyan: [36, 39],
  gray: [90, 39],
  bold: [1, 22],
};

export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

export function painter(enabled: boolean): Paint {
  if (!enabled) return (_color, text) => text;
  return (color, text) => `\u001b[${codes[color][0]}m${text}\u001b[${codes[color][1]}m`;
}
