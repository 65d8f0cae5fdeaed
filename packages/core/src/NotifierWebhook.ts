/**
 * A `Notifier` that POSTs each message as JSON to a URL, signed with HMAC-SHA256 over
 * `${timestamp}.${body}` (the timestamp in Unix seconds, sent beside the signature, so a receiver
 * can refuse replays). Every attempt of one reminder carries the same `Idempotency-Key`, so an
 * attempt the receiver already took is recognised. SMS and call providers plug in this way too.
 *
 * Headers: `X-Clinicore-Timestamp`, `X-Clinicore-Signature: v1=<hex>`, `Idempotency-Key`.
 * Answers: 2xx delivered (a JSON `id`, or the `X-Message-Id` header, is the provider message id);
 * 408, 429 and 5xx are retried here a few times, then `failed` (the dispatcher backs off); other
 * 4xx are `rejected`; no answer in time is `unknown`.
 *
 * @since 0.1.0
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { type Message, Notifier, NotifyError } from "./Notifier.js"

/** @since 0.1.0 @category models */
export interface WebhookConfig {
  readonly url: string
  readonly secret: Redacted.Redacted<string>
  /** Per request (default 10 seconds). */
  readonly timeout?: Duration.DurationInput | undefined
  /** Retries of a 408, 429, 5xx or refused connection within one delivery (default 3). */
  readonly retries?: number | undefined
}

/** The signature of `body` sent at `timestamp` (Unix seconds). @since 0.1.0 @category signing */
export const sign = (secret: string, timestamp: number, body: string): string =>
  `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`

/**
 * Checks a request as a receiver should: the signature matches (constant time) and the timestamp
 * is within `toleranceSeconds` of `nowSeconds`.
 *
 * @since 0.1.0 @category signing
 */
export const verify = (
  secret: string,
  headers: { readonly timestamp: string | undefined; readonly signature: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300
): boolean => {
  const ts = Number(headers.timestamp)
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds || headers.signature === undefined) return false
  const expected = Buffer.from(sign(secret, ts, body))
  const given = Buffer.from(headers.signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

class Retryable extends Error {
  constructor(readonly reason: string) {
    super(reason)
  }
}

/** @since 0.1.0 @category constructors */
export const make = (config: WebhookConfig): Notifier => {
  const timeoutMs = Duration.toMillis(config.timeout ?? Duration.seconds(10))
  const attempt = (message: Message) =>
    Effect.tryPromise({
      try: async (signal) => {
        const body = JSON.stringify({
          reminderId: message.reminderId,
          clinicId: message.clinicId,
          channel: message.channel,
          to: message.to,
          subject: message.subject,
          body: message.body
        })
        const timestamp = Math.floor(Date.now() / 1000)
        const response = await fetch(config.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": message.idempotencyKey,
            "x-clinicore-timestamp": String(timestamp),
            "x-clinicore-signature": sign(Redacted.value(config.secret), timestamp, body)
          },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        })
        const text = await response.text()
        if (response.ok) {
          let id: unknown = response.headers.get("x-message-id")
          try {
            const parsed = JSON.parse(text) as { id?: unknown }
            if (typeof parsed?.id === "string") id = parsed.id
          } catch {
            // Not JSON: no id in the body.
          }
          return { providerMessageId: typeof id === "string" ? id : null }
        }
        if (response.status === 408 || response.status === 429 || response.status >= 500) {
          throw new Retryable(`http_${response.status}`)
        }
        throw new NotifyError({ outcome: "rejected", reason: `http_${response.status}` })
      },
      catch: (error) => {
        if (error instanceof NotifyError) return error
        if (error instanceof Retryable) return new NotifyError({ outcome: "failed", reason: error.reason })
        const name = (error as { name?: string })?.name
        // Sent, and no answer in time: the receiver may have taken it.
        if (name === "TimeoutError" || name === "AbortError") return new NotifyError({ outcome: "unknown", reason: "timeout" })
        // fetch failed before any answer (refused, reset, DNS): nothing was taken.
        return new NotifyError({ outcome: "failed", reason: "connection" })
      }
    })
  return {
    send: (message) =>
      attempt(message).pipe(
        Effect.retry({
          schedule: Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(config.retries ?? 3))),
          while: (e) => e.outcome === "failed"
        }),
        Effect.withSpan("NotifierWebhook.send", { attributes: { channel: message.channel } })
      )
  }
}

/** @since 0.1.0 @category layers */
export const layer = (config: WebhookConfig): Layer.Layer<Notifier> => Layer.succeed(Notifier, make(config))
