/**
 * The runtime role's connection pool. Its connections pipeline (pg's `pipeline` mode: a query is
 * written without waiting for the answer to the previous one), and each gathers the protocol
 * messages it sends during one tick into a single buffer written on the next. The statements a
 * transaction issues together (BEGIN with the first read, a deferred write with COMMIT, reads run
 * side by side) therefore cost one write and one round trip; a statement issued alone costs what it
 * did before.
 */
import Pg from "pg"

interface Sender {
  _send(buffer: Buffer): boolean
}

/** Statements a connection keeps prepared; texts past the limit run unnamed. */
const MAX_NAMED = 2000

/**
 * A pg client that prepares every statement with parameters under a name, so its connection
 * parses and plans each text once and then only binds it (what postgres.js and pgx do by
 * default), and whose connection sends what one tick produced as one buffer.
 */
class BatchingClient extends Pg.Client {
  #names = new Map<string, string>()
  #generation = 0

  override query(config: unknown, values?: unknown, callback?: unknown): never {
    const query = (Pg.Client.prototype.query as (...args: Array<unknown>) => never).bind(this)
    if (typeof config !== "string" || !Array.isArray(values) || values.length === 0) return query(config, values, callback)
    let name = this.#names.get(config)
    if (name === undefined && this.#names.size < MAX_NAMED) {
      name = `clinicore_${this.#generation}_${this.#names.size}`
      this.#names.set(config, name)
    }
    if (name === undefined) return query(config, values, callback)
    const generation = this.#generation
    // A migration that changes a table's columns invalidates prepared `SELECT *`s ("cached plan
    // must not change result type"): that call fails, later ones prepare under new names.
    const forget = (error: unknown) => {
      if ((error as { code?: string } | null)?.code === "0A000" && generation === this.#generation) {
        this.#names.clear()
        this.#generation++
      }
    }
    if (typeof callback === "function") {
      return query({ name, text: config, values }, (error: unknown, result: unknown) => {
        if (error) forget(error)
        ;(callback as (e: unknown, r: unknown) => void)(error, result)
      })
    }
    const promise = query({ name, text: config, values }) as unknown as Promise<unknown>
    return promise.catch((error) => {
      forget(error)
      throw error
    }) as never
  }

  constructor(config?: string | Pg.ClientConfig) {
    super(config)
    // `_send` is where pg's connection writes every message after the startup (pg 8).
    const connection = (this as unknown as { connection: Sender }).connection
    const send = connection._send.bind(connection)
    let pending: Array<Buffer> | undefined
    connection._send = (buffer) => {
      if (pending !== undefined) {
        pending.push(buffer)
        return true
      }
      pending = [buffer]
      process.nextTick(() => {
        const chunks = pending!
        pending = undefined
        send(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
      })
      return true
    }
  }
}

/** @internal */
export const make = (options: { readonly url: string; readonly maxConnections?: number | undefined }): Pg.Pool => {
  const pool = new Pg.Pool({
    connectionString: options.url,
    max: options.maxConnections,
    application_name: "clinicore",
    pipeline: true,
    Client: BatchingClient
  } as Pg.PoolConfig)
  // Errors of idle clients surface on their next use; an unhandled 'error' event would crash the host.
  pool.on("error", () => {})
  return pool
}
