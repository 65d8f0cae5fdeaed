/** The whole API: every group of `groups/index.ts`, its OpenAPI description, and its handlers. */
import * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Layer from "effect/Layer"
import { modules } from "./groups/index.js"
import { Id } from "./Http.js"

type Module = (typeof modules)[number]

/** @since 0.1.0 */
export const Api = modules.reduce(
  (api: HttpApi.HttpApi.Any, m) => (api as HttpApi.HttpApi<typeof Id>).add(m.group as HttpApiGroup.HttpApiGroup.Any),
  HttpApi.make(Id)
) as unknown as HttpApi.HttpApi<typeof Id, Module["group"]>

/**
 * Component names from the library's schema identifiers (`@clinicore/core/Patient`) are not valid
 * OpenAPI component keys (`^[a-zA-Z0-9._-]+$`): keep the last segment (`Patient`).
 */
const componentKeys = (spec: Record<string, any>): Record<string, any> => {
  const schemas: Record<string, unknown> = spec.components?.schemas ?? {}
  const renames = new Map<string, string>()
  for (const key of Object.keys(schemas)) {
    if (/^[a-zA-Z0-9._-]+$/.test(key)) continue
    let next = key.split("/").pop()!.replace(/[^a-zA-Z0-9._-]/g, "_")
    while (next in schemas || [...renames.values()].includes(next)) next = `${next}_`
    renames.set(key, next)
  }
  if (renames.size === 0) return spec
  let text = JSON.stringify(spec)
  for (const [from, to] of renames) {
    // References are JSON pointers: "/" within a key is written "~1" (and "~" as "~0").
    for (const pointer of [from, from.replaceAll("~", "~0").replaceAll("/", "~1")]) {
      text = text.split(JSON.stringify(`#/components/schemas/${pointer}`)).join(JSON.stringify(`#/components/schemas/${to}`))
    }
  }
  const out = JSON.parse(text)
  out.components.schemas = Object.fromEntries(
    Object.entries(out.components.schemas).map(([k, v]) => [renames.get(k) ?? k, v])
  )
  return out
}

/** The OpenAPI document's title and description. */
export const ApiDocumented = Api.annotate(OpenApi.Transform, componentKeys).annotateContext(OpenApi.annotations({
  title: "clinicore",
  version: "0.1.0",
  description: "The clinicore HTTP host: every library service as routes. Staff routes take a bearer credential " +
    "(a session token from POST /auth/login, or an API key); platform routes take CLINICORE_PLATFORM_TOKEN; " +
    "public booking routes take none."
}))

/** Every group's handlers. */
type Out<L> = L extends Layer.Layer<infer A, infer _E, infer _R> ? A : never
type Err<L> = L extends Layer.Layer<infer _A, infer E, infer _R> ? E : never
type In<L> = L extends Layer.Layer<infer _A, infer _E, infer R> ? R : never

export const GroupsLive: Layer.Layer<Out<Module["live"]>, Err<Module["live"]>, In<Module["live"]>> =
  Layer.mergeAll(...(modules.map((m) => m.live) as unknown as [Layer.Layer<unknown>])) as never
