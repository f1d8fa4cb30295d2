/**
 * Ahead-of-time compiled validators for the built-in schemas. The build writes them to
 * dist/generated/validators.cjs with a hash of the schemas they came from; at run time they are
 * used only when that hash still matches, so a stale build can never validate with old rules.
 */
import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv";
import { builtInSchemas } from "./builtInSchemas.js";

export const PRECOMPILED_SPECIFIER = "#precompiled-validators";

interface PrecompiledModule {
  hash: string;
  validators: Record<string, ValidateFunction>;
}

/** Set by the bundler to the hash of the schemas it was built with, beside the validators. */
declare const __NOMAFLOW_SCHEMA_HASH__: string | undefined;

let loaded: PrecompiledModule | null | undefined;

/** The precompiled validator for a built-in schema id, when the build's copy is current. */
export function precompiledValidator(id: string): ValidateFunction | undefined {
  if (loaded === undefined) {
    try {
      const module = createRequire(import.meta.url)(PRECOMPILED_SPECIFIER) as PrecompiledModule;
      // The bundle and the validators come from one build, so the bundle need not hash again.
      const current = typeof __NOMAFLOW_SCHEMA_HASH__ === "string" ? __NOMAFLOW_SCHEMA_HASH__ : builtInSchemas().hash;
      loaded = module.hash === current ? module : null;
    } catch {
      loaded = null; // not built yet: compile at run time
    }
  }
  return loaded?.validators[id];
}
