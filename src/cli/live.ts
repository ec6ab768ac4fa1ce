// Redraws a frame in place on a terminal (log-update erases exactly the lines it drew, wrapped
// ones included). Elsewhere — a pipe, a CI log — each changed frame is appended once, so the
// log reads as a history rather than a flood of identical frames.
import { createLogUpdate } from "log-update";

export interface Live {
  show(frame: string): void;
  done(): void;
}

export function live(stream: NodeJS.WriteStream, redraw = stream.isTTY === true): Live {
  if (redraw) {
    const update = createLogUpdate(stream, { showCursor: false });
    return { show: (frame) => update(frame.trimEnd()), done: () => update.done() };
  }
  let last = "";
  return {
    show(frame) {
      if (frame === last) return;
      last = frame;
      stream.write(`${frame}\n`);
    },
    done: () => undefined,
  };
}
