/** The build every publishable package shares: ESM + CJS + .d.ts, one entry per module. */
import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/*.ts"],
  format: ["esm", "cjs"],
  dts: { compilerOptions: { composite: false, customConditions: [] } },
  sourcemap: true,
  clean: true,
  tsconfig: "tsconfig.build.json"
})
