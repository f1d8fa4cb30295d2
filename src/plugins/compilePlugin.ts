/**
 * TypeScript and JavaScript plugins run without a build step: esbuild bundles a module under
 * plugins/ (its relative imports included, packages left to Node) into one ES module in
 * `.nomaflow/plugins/`, and says what it exports without running it. The result is kept with the
 * size and mtime of every input, so an unchanged plugin costs a few stat calls, not esbuild.
 */
import type * as Crypto from "node:crypto";
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Esbuild from "esbuild";
import { ConfigError } from "../errors/nomaflowError.js";
import { makeFolderSync } from "../files/makeFolder.js";
import { nomaflowEntry } from "./nomaflowEntry.js";

/** Where compiled plugins go, inside the project. */
export const PLUGIN_CACHE_DIR = join(".nomaflow", "plugins");

export interface CompiledPlugin {
  /** Absolute path of the bundled ES module. */
  outputPath: string;
  /** Names the module exports (`default` included). */
  exports: string[];
}

interface CacheManifest {
  version: 1;
  entryPoint: string;
  /** The Nomaflow module `import "nomaflow"` was pointed at. */
  nomaflow: string | null;
  outputFile: string;
  exports: string[];
  /** Absolute path → "size:mtimeMs" of every file the bundle was made from. */
  inputs: Record<string, string>;
}

/** A plugin module that does not compile: the first error, at its file and line. */
export class PluginCompileError extends ConfigError {}

let esbuild: typeof Esbuild | undefined;

function fingerprint(path: string): string | undefined {
  try {
    const info = statSync(path);
    return `${info.size}:${info.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function slugOf(projectRoot: string, modulePath: string): string {
  return relative(join(projectRoot, "plugins"), modulePath).replace(/[^A-Za-z0-9_.-]+/g, "_");
}

function readManifest(path: string): CacheManifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path, "utf8")) as CacheManifest;
    return manifest.version === 1 ? manifest : undefined;
  } catch {
    return undefined;
  }
}

function inputsUnchanged(inputs: Record<string, string>): boolean {
  for (const path in inputs) if (fingerprint(path) !== inputs[path]) return false;
  return true;
}

function isFresh(manifest: CacheManifest, modulePath: string, cacheDir: string): boolean {
  if (manifest.entryPoint !== modulePath || manifest.nomaflow !== nomaflowEntry() || !existsSync(join(cacheDir, manifest.outputFile))) return false;
  return inputsUnchanged(manifest.inputs);
}

/**
 * What this process last compiled or found kept, by module: a daemon starting the same plugin for
 * a thousand runs checks its inputs' stat only, without reading the manifest again.
 */
const known = new Map<string, { inputs: Record<string, string>; compiled: CompiledPlugin }>();

/** Writes through a temporary file, so a reader (another run, the daemon) never sees half a file. */
function writeAtomically(path: string, content: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/**
 * Compiles `modulePath` (absolute, under `<projectRoot>/plugins/`), or returns the kept result
 * when none of its inputs changed. Throws PluginCompileError for a syntax or import error.
 */
export function compilePlugin(projectRoot: string, modulePath: string): CompiledPlugin {
  const knownKey = `${projectRoot}\u0000${modulePath}`;
  const remembered = known.get(knownKey);
  if (remembered && inputsUnchanged(remembered.inputs) && existsSync(remembered.compiled.outputPath)) return remembered.compiled;
  const compiled = compileOrReuse(projectRoot, modulePath);
  known.set(knownKey, compiled);
  return compiled.compiled;
}

function compileOrReuse(projectRoot: string, modulePath: string): { inputs: Record<string, string>; compiled: CompiledPlugin } {
  const cacheDir = join(projectRoot, PLUGIN_CACHE_DIR);
  const slug = slugOf(projectRoot, modulePath);
  const manifestPath = join(cacheDir, `${slug}.json`);
  const kept = readManifest(manifestPath);
  if (kept && isFresh(kept, modulePath, cacheDir))
    return { inputs: kept.inputs, compiled: { outputPath: join(cacheDir, kept.outputFile), exports: kept.exports } };

  // esbuild is loaded only here: validating or running a project without TS plugins never pays for it.
  esbuild ??= createRequire(import.meta.url)("esbuild") as typeof Esbuild;
  let result: Esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = esbuild.buildSync({
      absWorkingDir: projectRoot,
      entryPoints: [modulePath],
      bundle: true,
      // Packages stay imports, resolved by Node from the project's node_modules.
      packages: "external",
      format: "esm",
      platform: "node",
      target: "node20",
      write: false,
      metafile: true,
      outfile: join(cacheDir, `${slug}.mjs`),
      sourcemap: "inline",
      logLevel: "silent",
    });
  } catch (error) {
    throw compileError(error, projectRoot, modulePath);
  }
  const output = result.outputFiles[0];
  const outputMeta = Object.values(result.metafile.outputs)[0];
  if (!output || !outputMeta) throw new PluginCompileError(`esbuild produced nothing for ${displayName(projectRoot, modulePath)}`);
  const code = pointAtRunningNomaflow(output.text);

  // node:crypto is loaded only here, like esbuild: `validate` start-up does not pay for it.
  const { createHash } = createRequire(import.meta.url)("node:crypto") as typeof Crypto;
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 12);
  const outputFile = `${slug}.${hash}.mjs`;
  makeFolderSync(cacheDir);
  const outputPath = join(cacheDir, outputFile);
  if (!existsSync(outputPath)) writeAtomically(outputPath, code);
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = resolve(projectRoot, input);
    const print = fingerprint(path);
    if (print) inputs[path] = print;
  }
  const manifest: CacheManifest = { version: 1, entryPoint: modulePath, nomaflow: nomaflowEntry(), outputFile, exports: outputMeta.exports, inputs };
  writeAtomically(manifestPath, JSON.stringify(manifest));
  removeOlderOutputs(cacheDir, slug, outputFile);
  return { inputs, compiled: { outputPath, exports: outputMeta.exports } };
}

/** Earlier bundles of the same module; one already imported by a running process stays loaded in it. */
function removeOlderOutputs(cacheDir: string, slug: string, current: string): void {
  for (const name of readdirSync(cacheDir)) {
    if (name !== current && name.startsWith(`${slug}.`) && name.endsWith(".mjs") && name.slice(slug.length + 1, -4).match(/^[0-9a-f]{12}$/)) {
      rmSync(join(cacheDir, name), { force: true });
    }
  }
}

function displayName(projectRoot: string, path: string): string {
  return relative(projectRoot, path) || basename(path);
}

function compileError(error: unknown, projectRoot: string, modulePath: string): PluginCompileError {
  const first = (error as { errors?: Esbuild.Message[] }).errors?.[0];
  if (!first) return new PluginCompileError(`cannot compile ${displayName(projectRoot, modulePath)}: ${(error as Error).message}`, { cause: error });
  const location = first.location;
  const where = location ? `${location.file}:${location.line}:${location.column + 1}: ` : `${displayName(projectRoot, modulePath)}: `;
  return new PluginCompileError(`${where}${first.text}`, { cause: error, hint: location?.lineText ? `  ${location.lineText.trim()}` : undefined });
}

/**
 * `import … from "nomaflow"` means the Nomaflow that runs the plugin, whether or not the project
 * installed one: the same StepError, the same API version. esbuild writes imports in one form
 * (double quotes, `from "…"`, `import("…")`), which is what is rewritten here.
 */
function pointAtRunningNomaflow(code: string): string {
  const entry = nomaflowEntry();
  if (!entry) return code;
  const specifier = JSON.stringify(pathToFileURL(entry).href);
  return code
    .replace(/(\bfrom\s*)"nomaflow"/g, `$1${specifier}`)
    .replace(/(\bimport\s*\(\s*)"nomaflow"(\s*\))/g, `$1${specifier}$2`)
    .replace(/(\bimport\s+)"nomaflow"/g, `$1${specifier}`);
}
