/**
 * Every schema Nomaflow itself validates with, by a stable id. The build compiles them ahead of
 * time (precompiledValidators.ts) so that `validate` does not pay for ajv's code generation.
 */
import type * as Crypto from "node:crypto";
import { createRequire } from "node:module";
import type { TSchema } from "@sinclair/typebox";
import { channelTypeNames, channelTypes } from "../schema/channelTypes.js";
import { ProjectConfigFile } from "../schema/configSchema.js";
import { JobFile } from "../schema/jobSchema.js";
import { builtInStepTypes } from "../step-types/registry.js";
import { fullStepSchema } from "./fullStepSchema.js";

interface BuiltInSchemas {
  byId: ReadonlyMap<string, TSchema>;
  idOf: ReadonlyMap<TSchema, string>;
  /** A hash of every schema, computed on first use (the bundled CLI never needs it). */
  readonly hash: string;
}

let cache: BuiltInSchemas | undefined;

function build(): BuiltInSchemas {
  const byId = new Map<string, TSchema>([
    ["config", ProjectConfigFile],
    ["job", JobFile],
    ...builtInStepTypes.map((type): [string, TSchema] => [`step:${type.name}`, fullStepSchema(type)]),
    ...channelTypeNames.map((name): [string, TSchema] => [`channel:${name}`, channelTypes[name]]),
  ]);
  let hash: string | undefined;
  return {
    byId,
    idOf: new Map([...byId].map(([id, schema]) => [schema, id])),
    get hash() {
      // node:crypto is loaded only here: start-up of the bundled CLI does not pay for it.
      const { createHash } = createRequire(import.meta.url)("node:crypto") as typeof Crypto;
      hash ??= createHash("sha256")
        .update(JSON.stringify([...byId]))
        .digest("hex");
      return hash;
    },
  };
}

export function builtInSchemas(): BuiltInSchemas {
  cache ??= build();
  return cache;
}
