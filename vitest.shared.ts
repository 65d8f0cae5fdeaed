import type { ViteUserConfig } from "vitest/config"

/** Shared by every package's vitest project: resolve workspace packages to their sources. */
export const shared: ViteUserConfig = {
  resolve: { conditions: ["@clinicore/source"] },
  ssr: { resolve: { conditions: ["@clinicore/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000
  }
}
