/**
 * Builds the JSON Schema files in schemas/ that editors use (yaml-language-server modelines).
 * They are generated from the same TypeBox shapes and step-type registry that `validate` uses;
 * a test fails when the committed copies are stale (`npm run schemas` rewrites them).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Type, type TObject, type TSchema } from "@sinclair/typebox";
import { channelTypeNames, channelTypes } from "../schema/channelTypes.js";
import { StepTypeRegistry } from "../step-types/registry.js";
import { ChannelBase, ProjectConfigFile } from "../schema/configSchema.js";
import { commonStepProperties, JobFile } from "../schema/jobSchema.js";

const DRAFT = "https://json-schema.org/draft/2020-12/schema";
const NOTICE = "Generated from src/schema and src/step-types by `npm run schemas`; do not edit.";

/** Copies a TypeBox schema into plain JSON (TypeBox's symbol keys drop out). */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/** `then` branches: for each value of the discriminator, the exact set of allowed fields. */
function discriminated(discriminator: string, variants: Array<{ name: string; schema: TObject }>): Record<string, unknown>[] {
  return variants.map(({ name, schema }) => ({
    if: { properties: { [discriminator]: { const: name } }, required: [discriminator] },
    then: plain(schema),
  }));
}

export function jobEditorSchema(registry: StepTypeRegistry = new StepTypeRegistry()): Record<string, unknown> {
  const types = registry.all();
  const step = {
    type: "object",
    required: ["name", "type"],
    properties: {
      ...(plain(Type.Object(commonStepProperties)).properties as object),
      type: {
        description: commonStepProperties.type.description,
        anyOf: [{ enum: types.map((type) => type.name) }, { type: "string", description: "A step type registered by a plugin." }],
      },
    },
    allOf: discriminated(
      "type",
      types.map((type) => ({
        name: type.name,
        schema: Type.Object(
          { ...commonStepProperties, ...type.fields.properties, type: Type.Literal(type.name, { description: type.description }) },
          {
            additionalProperties: false,
          },
        ),
      })),
    ),
  };
  const job = plain(JobFile);
  (job.properties as Record<string, unknown>).steps = { ...(job.properties as Record<string, Record<string, unknown>>).steps, items: step };
  return { $schema: DRAFT, $comment: NOTICE, $id: "https://nomaflow.dev/schemas/job.schema.json", title: "Nomaflow job", ...job };
}

export function configEditorSchema(): Record<string, unknown> {
  const config = plain(ProjectConfigFile);
  const channel = {
    ...plain(ChannelBase),
    allOf: discriminated(
      "type",
      channelTypeNames.map((name) => ({ name, schema: channelTypes[name] })),
    ),
  };
  const notifications = (config.properties as Record<string, Record<string, Record<string, Record<string, unknown>>>>).notifications!;
  const channels = notifications.properties!.channels!;
  channels.patternProperties = Object.fromEntries(Object.keys(channels.patternProperties as object).map((pattern) => [pattern, channel]));
  return { $schema: DRAFT, $comment: NOTICE, $id: "https://nomaflow.dev/schemas/nomaflow.schema.json", title: "Nomaflow project (nomaflow.yaml)", ...config };
}

/** File name in schemas/ → content. */
export function renderSchemaFiles(): Record<string, string> {
  return {
    "job.schema.json": `${JSON.stringify(jobEditorSchema(), null, 2)}\n`,
    "nomaflow.schema.json": `${JSON.stringify(configEditorSchema(), null, 2)}\n`,
  };
}

export function writeSchemaFiles(folder: string): string[] {
  return Object.entries(renderSchemaFiles()).map(([name, content]) => {
    writeFileSync(join(folder, name), content);
    return join(folder, name);
  });
}
