/**
 * Vitest globalSetup: bundles the CLI once (esbuild, the workspace's sources through the
 * `@clinicore/source` condition) so each spawned process starts in about a second instead of
 * compiling every source file with tsx again. The bundle is the same code `pnpm cli` runs; one
 * test spawns the tsx entry itself to prove that path too. Native modules stay external.
 */
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const here = dirname(fileURLToPath(import.meta.url))
export const bundlePath = join(here, "..", "build", "test", "cli.mjs")

export default async function setup(): Promise<void> {
  await esbuild.build({
    entryPoints: [join(here, "..", "src", "main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundlePath,
    conditions: ["@clinicore/source"],
    logLevel: "warning",
    // Bundled CommonJS dependencies call `require`.
    banner: { js: "import { createRequire as __createRequire } from \"node:module\"; const require = __createRequire(import.meta.url);" },
    plugins: [{
      name: "native-external",
      setup(build) {
        // pg's optional native binding is never installed; better-sqlite3 loads a compiled addon,
        // so it is loaded from where the SQLite adapter resolves it.
        build.onResolve({ filter: /^pg-native$/ }, (args) => ({ path: args.path, external: true }))
        build.onResolve({ filter: /^better-sqlite3$/ }, (args) => ({
          path: createRequire(join(args.resolveDir, "index.js")).resolve(args.path),
          external: true
        }))
      }
    }]
  })
}
