/**
 * Every schema Nomaflow itself validates with, by a stable id. The build compiles them ahead of
 * time (precompiledValidators.ts) so that `validate` does not pay for ajv's code generation.
 */
import { createHash } from "node:crypto";
import type { TSchema } from "@sinclair/typebox";
import { channelTypes } from "../notifications/channelTypes.js";
import { ProjectConfigFile } from "../schema/configSchema.js";
import { JobFile } from "../schema/jobSchema.js";
import { builtInStepTypes } from "../step-types/registry.js";
import { fullStepSchema } from "./fullStepSchema.js";

let cache: { byId: Map<string, TSchema>; idOf: Map<TSchema, string>; hash: string } | undefined;

function build() {
  const byId = new Map<string, TSchema>([
    ["config", ProjectConfigFile],
    ["job", JobFile],
    ...builtInStepTypes.map((type): [string, TSchema] => [`step:${type.name}`, fullStepSchema(type)]),
    ...Object.entries(channelTypes).map(([name, schema]): [string, TSchema] => [`channel:${name}`, schema]),
  ]);
  const hash = createHash("sha256").update(JSON.stringify([...byId])).digest("hex");
  return { byId, idOf: new Map([...byId].map(([id, schema]) => [schema, id])), hash };
}

export function builtInSchemas(): { byId: ReadonlyMap<string, TSchema>; idOf: ReadonlyMap<TSchema, string>; hash: string } {
  cache ??= build();
  return cache;
}
