/**
 * The HTTP app: the API with its OpenAPI document (`/openapi.json`) and Swagger UI (`/docs`), the
 * public booking page (`/book/<clinic-slug>`), a body size limit, JSON answers for malformed
 * requests, and one log line per request (method, path without query, status, duration: never a
 * body, a query string or a header, so no patient data).
 */
import { readFileSync } from "node:fs"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiSwagger from "@effect/platform/HttpApiSwagger"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import { ApiDocumented, GroupsLive } from "./Api.js"
import { AuthenticationLive, PlatformAuthenticationLive, RateLimitedLive, type RateLimits } from "./Security.js"

/** @since 0.1.0 */
export interface Options {
  /** The platform credential (`CLINICORE_PLATFORM_TOKEN`); without one, platform routes answer 401. */
  readonly platformToken?: Redacted.Redacted<string> | undefined
  readonly rateLimits?: RateLimits | undefined
  /** The largest request body accepted (default 256 KiB); a larger one is a 413. */
  readonly maxBodyBytes?: number | undefined
  /** The largest body of an import route (`POST /imports/*`, a CSV file; default 20 MiB); a larger one is a 413. */
  readonly maxImportBodyBytes?: number | undefined
  /** Where request log lines go (default `console.log`); `false` logs nothing. */
  readonly log?: ((line: string) => void) | false | undefined
}

const asset = (name: string) => readFileSync(new URL(`./public/${name}`, import.meta.url), "utf8")

/** The booking page: one static page per clinic slug, and its script and stylesheet. */
const BookingPage = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const html = asset("book.html")
    const js = asset("book.js")
    const css = asset("book.css")
    const headers = { "cache-control": "no-cache", "x-content-type-options": "nosniff" }
    yield* router.get(
      "/book/:slug",
      Effect.succeed(HttpServerResponse.text(html, {
        contentType: "text/html; charset=utf-8",
        headers: { ...headers, "content-security-policy": "default-src 'self'; frame-ancestors 'none'" }
      }))
    )
    yield* router.get("/assets/book.js", Effect.succeed(HttpServerResponse.text(js, { contentType: "text/javascript; charset=utf-8", headers })))
    yield* router.get("/assets/book.css", Effect.succeed(HttpServerResponse.text(css, { contentType: "text/css; charset=utf-8", headers })))
    yield* router.get("/", Effect.succeed(HttpServerResponse.empty({ status: 302, headers: { location: "/docs" } })))
  })
)

const problem = (status: number, tag: string, message: string) =>
  HttpServerResponse.unsafeJson({ _tag: tag, message }, { status })

/** A request body that could not be read or parsed, or a route that does not exist, as JSON; anything else stays a 500. */
const answer = (cause: Cause.Cause<unknown>): HttpServerResponse.HttpServerResponse | undefined => {
  const error = Cause.squash(cause)
  if (typeof error === "object" && error !== null && "_tag" in error) {
    if (error._tag === "RouteNotFound") return problem(404, "RouteNotFound", "no such route")
    if (error._tag === "RequestError") {
      const text = String((error as { cause?: { message?: unknown } }).cause?.message ?? "")
      return /maxBytes/i.test(text)
        ? problem(413, "PayloadTooLarge", "the request body is too large")
        : problem(400, "MalformedRequest", "the request body is not valid JSON")
    }
  }
  return undefined
}

/**
 * Inside the router (a response produced here is the one sent): refuses bodies of unknown length
 * or above the limit before reading them, reads bodies under the limit, and answers malformed
 * bodies and unknown routes with a JSON 4xx instead of letting them become defects.
 */
const guard = (options: Options) => {
  const maxBodyDefault = options.maxBodyBytes ?? 256 * 1024
  const maxImportBody = options.maxImportBodyBytes ?? 20 * 1024 * 1024
  return HttpApiBuilder.middleware((app) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      // Only the import routes take a file; every other route keeps the general limit.
      const maxBody = request.method === "POST" && request.url.startsWith("/imports/") ? maxImportBody : maxBodyDefault
      const declared = request.headers["content-length"]
      if (declared === undefined && request.headers["transfer-encoding"] !== undefined) {
        // A body of unknown length is refused before it is read: every client this host serves sends a length.
        return problem(411, "LengthRequired", "send the request body with a Content-Length")
      }
      if (declared !== undefined && !(Number(declared) <= maxBody)) {
        return problem(413, "PayloadTooLarge", `the request body is larger than ${maxBody} bytes`)
      }
      return yield* app.pipe(
        HttpIncomingMessage.withMaxBodySize(Option.some(maxBody)),
        Effect.catchAllCause((cause) => {
          const known = answer(cause)
          return known !== undefined ? Effect.succeed(known) : Effect.failCause(cause)
        })
      )
    })
  )
}

/** One line per request, after it was answered: method, path without its query, status, duration. */
const requestLog = (options: Options) => {
  const log = options.log === false ? undefined : (options.log ?? ((line: string) => console.log(line)))
  return (app: HttpApp.Default): HttpApp.Default =>
    log === undefined ? app : Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const started = Date.now()
      const line = (status: number | string) => log(`${request.method} ${request.url.split("?")[0]} ${status} ${Date.now() - started}ms`)
      return yield* app.pipe(
        Effect.tap((response) => Effect.sync(() => line(response.status))),
        Effect.tapErrorCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.sync(() => line("aborted"))
            : Effect.sync(() => {
              const response = Cause.squash(cause)
              line(HttpServerResponse.isServerResponse(response) ? response.status : 500)
            }))
      )
    })
}

/** The API's handlers and middlewares; needs the library's services (`Clinicore.layer`) and `Sessions`. */
export const ApiLive = (options: Options = {}) =>
  HttpApiBuilder.api(ApiDocumented).pipe(
    Layer.provide(GroupsLive),
    Layer.provide([AuthenticationLive, PlatformAuthenticationLive(options.platformToken), RateLimitedLive(options.rateLimits)])
  )

/** Serves everything on the `HttpServer` in context. */
export const layer = (options: Options = {}) =>
  HttpApiBuilder.serve(requestLog(options)).pipe(
    Layer.provide(guard(options)),
    Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(BookingPage),
    Layer.provide(ApiLive(options))
  )
