/**
 * Progress bars for long work (seeding, dispatch), on stderr and only on a terminal: with `--json`,
 * or when stderr is a pipe or a file, nothing is drawn. `cli-progress` draws them (@effect/cli has
 * none); it redraws in place with ANSI codes and hides the cursor while it runs.
 */
import cliProgress from "cli-progress"
import * as Effect from "effect/Effect"
import type { Common } from "./Host.js"

export interface Progress {
  /** Moves the bar to `value` (out of `total`, which may grow) with a short status. */
  readonly update: (value: number, status: string, total?: number) => Effect.Effect<void>
}

const silent: Progress = { update: () => Effect.void }

/** A bar for `total` steps, stopped when the scope closes. */
export const bar = (options: Common, label: string, total: number): Effect.Effect<Progress, never, import("effect/Scope").Scope> =>
  options.json || process.stderr.isTTY !== true
    ? Effect.succeed(silent)
    : Effect.acquireRelease(
      Effect.sync(() => {
        const b = new cliProgress.SingleBar({
          stream: process.stderr,
          format: `${label} [{bar}] {value}/{total} {status}`,
          hideCursor: true,
          clearOnComplete: false,
          noTTYOutput: false
        }, cliProgress.Presets.shades_classic)
        b.start(total, 0, { status: "" })
        return b
      }),
      (b) => Effect.sync(() => b.stop())
    ).pipe(Effect.map((b): Progress => ({
      update: (value, status, newTotal) =>
        Effect.sync(() => {
          if (newTotal !== undefined) b.setTotal(newTotal)
          b.update(value, { status })
        })
    })))
