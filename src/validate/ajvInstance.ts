import { createRequire } from "node:module";
import type * as AjvModule from "ajv/dist/2020.js";
import type { Ajv2020 } from "ajv/dist/2020.js";
import { ANNOTATIONS } from "../schema/common.js";

/**
 * The one ajv configuration, shared by run-time compilation, the build's precompilation and the
 * runner's converting check of interpolated step fields. ajv's compiler is required only when
 * called: built-in schemas come precompiled, so most runs never load it (it is the largest module
 * a run would otherwise read).
 * `source`: keep the generated code (the build writes it out).
 * `coerceTypes`: convert strings where the schema wants a number or a boolean, in place, stopping
 * at the first error (the caller asks schemaProblems what is wrong).
 */
export function createAjv(options: { source?: boolean; coerceTypes?: boolean } = {}): Ajv2020 {
  const { Ajv2020: Ajv } = createRequire(import.meta.url)("ajv/dist/2020.js") as typeof AjvModule;
  const coerceTypes = options.coerceTypes ?? false;
  const ajv = new Ajv({
    allErrors: !coerceTypes,
    verbose: !coerceTypes,
    coerceTypes,
    strict: true,
    allowUnionTypes: true,
    code: { source: options.source ?? false },
  });
  for (const annotation of ANNOTATIONS) ajv.addKeyword({ ...annotation });
  return ajv;
}
