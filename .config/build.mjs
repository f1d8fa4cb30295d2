// The build: TypeScript to dist/ (library and types), precompiled validators, then one bundled,
// code-split CLI in dist/cli/ so that start-up reads a few files instead of hundreds.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", ".config/tsconfig.build.json"], { cwd: root, stdio: "inherit" });
// The python step's bridge is Python, run from beside the compiled step (and found from the bundle).
const pythonBridge = new URL("../src/step-types/python/bridge/", import.meta.url);
const pythonBridgeOut = new URL("../dist/step-types/python/bridge/", import.meta.url);
mkdirSync(pythonBridgeOut, { recursive: true });
for (const name of readdirSync(pythonBridge).filter((file) => file.endsWith(".py"))) copyFileSync(new URL(name, pythonBridge), new URL(name, pythonBridgeOut));

const { writePrecompiledValidators } = await import("../dist/validate/writePrecompiledValidators.js");
const { builtInSchemas } = await import("../dist/validate/builtInSchemas.js");
writePrecompiledValidators(fileURLToPath(new URL("../dist/generated/validators.cjs", import.meta.url)));

// pg asks at load whether it runs in a Cloudflare Worker by making a `Response`, which under Node 20
// loads Node's own fetch (undici, ~30 ms of every start-up). The CLI runs under Node only.
const pgNodeStreams = {
  name: "pg-node-streams",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, ({ path }) => {
      const source = readFileSync(path, "utf8");
      const probe = "function isCloudflareRuntime() {";
      if (!source.includes(probe)) throw new Error(`${path} no longer defines isCloudflareRuntime(): review the pg-node-streams build plugin`);
      return { contents: source.replace(probe, `${probe}\n  return false;`), loader: "js" };
    });
  },
};

await build({
  absWorkingDir: root,
  plugins: [pgNodeStreams],
  entryPoints: { nomaflow: "src/cli/main.ts" },
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  chunkNames: "chunks/[name]-[hash]",
  define: { __NOMAFLOW_VERSION__: JSON.stringify(version), __NOMAFLOW_SCHEMA_HASH__: JSON.stringify(builtInSchemas().hash) },
  // CommonJS dependencies inside an ES module bundle need a require of their own.
  banner: { js: "import { createRequire as __nomaflowCreateRequire } from 'node:module'; const require = __nomaflowCreateRequire(import.meta.url);" },
  // PGlite loads its WebAssembly and data files from beside its own modules: it stays in node_modules.
  external: ["@electric-sql/pglite", "@electric-sql/pglite/*"],
  logLevel: "warning",
});

// The web console's page (served by src/console/): one script for the browser, its stylesheet,
// the HTML and an icon, nothing fetched from elsewhere (the machines it runs on are often offline).
const consolePage = new URL("../src/console/page/", import.meta.url);
const consoleOut = new URL("../dist/console/", import.meta.url);
await build({
  absWorkingDir: root,
  entryPoints: ["src/console/page/main.ts"],
  outfile: "dist/console/assets/console.js",
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
});
copyFileSync(new URL("index.html", consolePage), new URL("index.html", consoleOut));
copyFileSync(new URL("console.css", consolePage), new URL("assets/console.css", consoleOut));
copyFileSync(new URL("favicon.svg", consolePage), new URL("assets/favicon.svg", consoleOut));
const consoleFiles = ["index.html", "assets/console.js", "assets/console.css", "assets/favicon.svg"];
const consoleBytes = consoleFiles.reduce((sum, file) => sum + statSync(new URL(file, consoleOut)).size, 0);
// The budget for a page: the console's files together stay under 300 KB.
if (consoleBytes > 300_000) throw new Error(`the console's files weigh ${Math.round(consoleBytes / 1000)} KB, over the 300 KB a page may weigh`);

console.log(`built nomaflow ${version} into dist/`);
