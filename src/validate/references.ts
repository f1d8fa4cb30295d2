/**
 * Finds the strings a schema marks with an annotation keyword — naming a connector or a channel
 * (`x-ref`), or holding SQL text (`x-sql`) — so that one walk serves built-in and plugin step
 * types alike.
 */
import { REFERENCE, type ReferenceKind } from "../schema/common.js";

export interface MarkedString {
  /** The keyword's value in the schema. */
  mark: unknown;
  text: string;
  path: (string | number)[];
}

export interface FoundReference {
  kind: ReferenceKind;
  name: string;
  path: (string | number)[];
}

type Schema = Record<string, unknown>;

export function findMarkedStrings(schema: Schema, value: unknown, keyword: string, path: (string | number)[] = [], found: MarkedString[] = []): MarkedString[] {
  const mark = schema[keyword];
  if (mark !== undefined && typeof value === "string") {
    found.push({ mark, text: value, path });
    return found;
  }
  for (const branch of (schema.anyOf as Schema[] | undefined) ?? []) findMarkedStrings(branch, value, keyword, path, found);
  if (Array.isArray(value) && schema.items && typeof schema.items === "object") {
    value.forEach((item, index) => findMarkedStrings(schema.items as Schema, item, keyword, [...path, index], found));
  } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, child] of Object.entries(value)) {
      const childSchema = properties[key];
      if (childSchema) findMarkedStrings(childSchema, child, keyword, [...path, key], found);
    }
  }
  return found;
}

export function findReferences(schema: Schema, value: unknown): FoundReference[] {
  return findMarkedStrings(schema, value, REFERENCE)
    .filter((found) => typeof found.mark === "string")
    .map((found) => ({ kind: found.mark as ReferenceKind, name: found.text, path: found.path }));
}
