import { createRequire } from "node:module";
import type * as AjvModule from "ajv/dist/2020.js";
import type { Ajv2020 } from "ajv/dist/2020.js";
import { ANNOTATIONS } from "../schema/common.js";

/**
 * The one ajv configuration, shared by run-time compilation and the build's precompilation.
 * ajv's compiler is required only when called: built-in schemas come precompiled, so most runs
 * never load it (it is the largest module a run would otherwise read).
 */
export function createAjv(options: { source?: boolean } = {}): Ajv2020 {
  const { Ajv2020: Ajv } = createRequire(import.meta.url)("ajv/dist/2020.js") as typeof AjvModule;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, code: { source: options.source ?? false } });
  for (const annotation of ANNOTATIONS) ajv.addKeyword({ ...annotation });
  return ajv;
}
