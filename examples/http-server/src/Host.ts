/**
 * The host's runtime, as layers: storage (a SQLite file, or Postgres when `DATABASE_URL` is set),
 * the library's services with `Sessions`, the reminder dispatcher running in this process, and the
 * HTTP server. `main.ts` reads the environment; tests build the same layers with their own config.
 */
import { Clinicore, FieldCrypto, Notifier, ReminderDispatcher, Sessions } from "@clinicore/core"
import { ClinicorePg } from "@clinicore/sql-pg"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import { createServer } from "node:http"
import * as Server from "./Server.js"

/** @since 0.1.0 */
export type Database =
  | { readonly _tag: "sqlite"; readonly filename: string }
  | { readonly _tag: "pg"; readonly url: Redacted.Redacted<string>; readonly ownerUrl?: Redacted.Redacted<string> | undefined }

/** @since 0.1.0 */
export interface Config extends Server.Options {
  readonly database: Database
  readonly masterKey: Redacted.Redacted<string>
  readonly port: number
  readonly host: string
  /** The dispatcher's notifier (default: the console, without message bodies); `false` runs no dispatcher. */
  readonly notifier?: Notifier.Notifier | false | undefined
  /** The pause between dispatch rounds (default 15 seconds). */
  readonly dispatchInterval?: Duration.DurationInput | undefined
  readonly sessionTtl?: Duration.DurationInput | undefined
}

/** The library on the configured database, with `Sessions`. */
export const services = (config: Config) => {
  const storage = config.database._tag === "sqlite"
    ? ClinicoreSqlite.layer({ filename: config.database.filename })
    : ClinicorePg.layer({ url: config.database.url, ownerUrl: config.database.ownerUrl })
  const core = Clinicore.layer.pipe(
    Layer.provideMerge(FieldCrypto.layer({ current: "k1", keys: { k1: config.masterKey } })),
    Layer.provideMerge(storage)
  )
  return Sessions.layer({ sessionTtl: config.sessionTtl }).pipe(Layer.provideMerge(core))
}

/**
 * The reminder dispatcher in this process, one round every `dispatchInterval`. Shutting down does
 * not interrupt a round: it asks the loop to stop, the round in progress finishes (every reminder
 * it claimed is delivered, retried or ended, none is left claimed), and only then are the
 * services and the database released. Only the pause between rounds is cut short.
 */
export const dispatcher = (config: Config) => {
  const configured = config.notifier
  return configured === false
    ? Layer.empty
    : Layer.scopedDiscard(Effect.gen(function*() {
      const notifier = configured ?? Notifier.console()
      const stop = yield* Deferred.make<void>()
      const loop = Effect.gen(function*() {
        while (!(yield* Deferred.isDone(stop))) {
          yield* ReminderDispatcher.runOnce({ notifier })
          yield* Effect.raceFirst(Effect.sleep(config.dispatchInterval ?? Duration.seconds(15)), Deferred.await(stop))
        }
      })
      // A daemon, so the scope closing does not interrupt it; the finalizer waits for it instead.
      const fiber = yield* Effect.forkDaemon(loop)
      yield* Effect.addFinalizer(() => Effect.zipRight(Deferred.succeed(stop, undefined), Fiber.await(fiber)))
    }))
}

/** Everything: services, dispatcher and the HTTP server on `host:port` (port 0: any free port). */
export const layer = (config: Config) =>
  Server.layer(config).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: config.port, host: config.host })),
    Layer.provideMerge(dispatcher(config)),
    Layer.provideMerge(services(config))
  )
