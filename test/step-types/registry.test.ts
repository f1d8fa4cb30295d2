import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { builtInStepTypes, StepTypeRegistry } from "../../src/step-types/registry.js";
import { defineStepType } from "../../src/step-types/stepType.js";
import { REPO_ROOT } from "../support/tempProject.js";

describe("step-types registry", () => {
  it("lists every folder of src/step-types", () => {
    const folders = readdirSync(join(REPO_ROOT, "src", "step-types"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(builtInStepTypes.map((type) => type.name).sort()).toEqual(folders);
  });

  it("refuses a second type of the same name, naming both origins", () => {
    const registry = new StepTypeRegistry();
    const clash = defineStepType({ name: "http", description: "x", fields: Type.Object({}), run: async () => ({}) });
    expect(() => registry.register(clash, "plugins/mine.ts")).toThrow("step type http from plugins/mine.ts is already registered by built-in");
  });

  it("refuses a type that declares a common field", () => {
    const registry = new StepTypeRegistry();
    const bad = defineStepType({ name: "mine", description: "x", fields: Type.Object({ timeout: Type.Number() }), run: async () => ({}) });
    expect(() => registry.register(bad, "plugins/mine.ts")).toThrow(/declares the common field timeout/);
  });

  it("adds a plugin type that validate then knows", () => {
    const registry = new StepTypeRegistry();
    registry.register(
      defineStepType({ name: "greet", description: "says hello", fields: Type.Object({ who: Type.String() }), run: async () => ({}) }),
      "plugins/greet.ts",
    );
    expect(registry.get("greet")?.description).toBe("says hello");
    expect(registry.names()).toContain("greet");
  });
});
