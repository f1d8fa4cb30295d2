/**
 * Finds the strings a schema marks as naming a connector or a channel (`x-ref`), so that one walk
 * checks references for built-in and plugin step types alike.
 */
import { REFERENCE, type ReferenceKind } from "../schema/common.js";

export interface FoundReference {
  kind: ReferenceKind;
  name: string;
  path: (string | number)[];
}

type Schema = Record<string, unknown>;

export function findReferences(schema: Schema, value: unknown, path: (string | number)[] = [], found: FoundReference[] = []): FoundReference[] {
  const kind = schema[REFERENCE];
  if (typeof kind === "string" && typeof value === "string") {
    found.push({ kind: kind as ReferenceKind, name: value, path });
    return found;
  }
  for (const branch of (schema.anyOf as Schema[] | undefined) ?? []) findReferences(branch, value, path, found);
  if (Array.isArray(value) && schema.items && typeof schema.items === "object") {
    value.forEach((item, index) => findReferences(schema.items as Schema, item, [...path, index], found));
  } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, child] of Object.entries(value)) {
      const childSchema = properties[key];
      if (childSchema) findReferences(childSchema, child, [...path, key], found);
    }
  }
  return found;
}
