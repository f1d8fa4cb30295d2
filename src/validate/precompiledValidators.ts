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

let loaded: PrecompiledModule | null | undefined;

/** The precompiled validator for a built-in schema id, when the build's copy is current. */
export function precompiledValidator(id: string): ValidateFunction | undefined {
  if (loaded === undefined) {
    try {
      const module = createRequire(import.meta.url)(PRECOMPILED_SPECIFIER) as PrecompiledModule;
      loaded = module.hash === builtInSchemas().hash ? module : null;
    } catch {
      loaded = null; // not built yet: compile at run time
    }
  }
  return loaded?.validators[id];
}
