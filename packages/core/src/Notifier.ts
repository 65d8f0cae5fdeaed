/**
 * The `Notifier` port: how a reminder leaves the library. Adapters: `console` (development),
 * SMTP email (`NotifierSmtp`), a signed webhook (`NotifierWebhook`); SMS and call providers plug
 * in through the same interface (`route` sends each channel to its own notifier).
 *
 * An adapter tells the dispatcher what happened, and the dispatcher decides what to do next:
 * - success: the provider accepted the message (with its message id, for delivery receipts);
 * - `rejected`: a permanent refusal (bad address): not retried;
 * - `failed`: nothing was sent (connection refused, a 5xx before acceptance): retried with backoff;
 * - `unknown`: it may have been sent (a timeout after the request went out): e-mail and webhooks
 *   are retried with the same idempotency key; SMS and calls are marked for reconciliation.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { Channel } from "./Reminder.js"

/** One message to one patient. @since 0.1.0 @category models */
export interface Message {
  readonly reminderId: string
  readonly clinicId: string
  readonly channel: Channel
  /** E.164 phone for SMS and calls, an e-mail address for e-mail. */
  readonly to: string
  readonly subject: string | null
  readonly body: string
  /** The same for every attempt of one reminder: providers dedupe on it. */
  readonly idempotencyKey: string
}

/** @since 0.1.0 @category models */
export interface Delivery {
  /** The provider's id of the message, for delivery receipts. */
  readonly providerMessageId: string | null
}

/** @since 0.1.0 @category errors */
export class NotifyError extends Schema.TaggedError<NotifyError>()("NotifyError", {
  outcome: Schema.Literal("rejected", "failed", "unknown"),
  /** A short code, never the message body. */
  reason: Schema.String
}) {}

/** @since 0.1.0 @category models */
export interface Notifier {
  readonly send: (message: Message) => Effect.Effect<Delivery, NotifyError>
}

/** @since 0.1.0 @category tags */
export const Notifier: Context.Tag<Notifier, Notifier> = Context.GenericTag<Notifier>("@clinicore/core/Notifier")

/** Each channel to its own notifier; a channel without one is `rejected`. @since 0.1.0 @category combinators */
export const route = (byChannel: Partial<Record<Channel, Notifier>>): Notifier => ({
  send: (message) =>
    byChannel[message.channel]?.send(message) ??
      Effect.fail(new NotifyError({ outcome: "rejected", reason: `no_notifier_for_${message.channel}` }))
})

/** Hides all but the last characters of an address, for development output. */
const mask = (to: string) => (to.length <= 4 ? "****" : `${"*".repeat(Math.min(8, to.length - 4))}${to.slice(-4)}`)

/**
 * A development notifier that prints one line per message. Bodies can carry clinical detail, so
 * they are printed only when asked for (`showBody`), and the address is masked.
 *
 * @since 0.1.0 @category adapters
 */
export const console = (options: { readonly showBody?: boolean } = {}): Notifier => ({
  send: (m) =>
    Effect.as(
      Console.log(
        `[reminder] ${m.channel} to ${mask(m.to)} (${m.reminderId})${options.showBody ? `: ${m.subject ?? ""} ${m.body}` : ""}`
      ),
      { providerMessageId: `console-${m.idempotencyKey}` }
    )
})

/** Accepts every message and sends nothing (benchmarks, tests). @since 0.1.0 @category adapters */
export const noop: Notifier = { send: (m) => Effect.succeed({ providerMessageId: `noop-${m.idempotencyKey}` }) }

/** @since 0.1.0 @category layers */
export const layerConsole = (options: { readonly showBody?: boolean } = {}): Layer.Layer<Notifier> =>
  Layer.succeed(Notifier, console(options))
