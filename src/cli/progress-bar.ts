/**
 * A progress bar for long runs: only on a terminal (never in pipes or CI logs), only once the
 * run has taken about a second, redrawn at most ten times a second, erased when done.
 */
const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 100;
const WIDTH = 30;

export interface ProgressBar {
  update(done: number, total: number, label: string): void;
  finish(): void;
}

export function progressBar(
  stream: NodeJS.WriteStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
  now: () => number = () => performance.now(),
): ProgressBar {
  const enabled = stream.isTTY === true && !env.CI && env.TERM !== "dumb";
  // VCM_PROGRESS_DELAY_MS: how long a run goes before the bar shows (tests set 0).
  const delay = Number(env.VCM_PROGRESS_DELAY_MS ?? SHOW_AFTER_MS);
  const started = now();
  let lastDraw = -Infinity;
  let drawn = false;
  return {
    update(done, total, label) {
      if (!enabled) return;
      const t = now();
      if (t - started < delay || t - lastDraw < REDRAW_MS) return;
      lastDraw = t;
      // total 0: a phase whose size is unknown (checking, building tables): label only.
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(fraction * WIDTH);
      const bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
      const line = total > 0 ? `[${bar}] ${done}/${total} ${label}` : `[${bar}] ${label}`;
      const columns = stream.columns || 80;
      stream.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}
