/**
 * The step-types registry: the built-in list, and the one place plugin types are added.
 * A test checks that every folder of src/step-types is listed here.
 */
import type { TObject } from "@sinclair/typebox";
import { ConfigError } from "../errors.js";
import { COMMON_STEP_FIELDS } from "../schema/jobSchema.js";
import { httpStep } from "./http/index.js";
import { nodeStep } from "./node/index.js";
import { pythonStep } from "./python/index.js";
import { shellStep } from "./shell/index.js";
import { sqlStep } from "./sql/index.js";
import { sqlCopyStep } from "./sql_copy/index.js";
import type { StepType } from "./stepType.js";

export const builtInStepTypes: readonly StepType[] = [sqlCopyStep, sqlStep, httpStep, shellStep, pythonStep, nodeStep] as StepType[];

export class StepTypeRegistry {
  readonly #types = new Map<string, { type: StepType; origin: string }>();

  constructor(types: readonly StepType[] = builtInStepTypes) {
    for (const type of types) this.register(type, "built-in");
  }

  /** Adds a type; `origin` names where it came from for the clash message. */
  register<Fields extends TObject>(type: StepType<Fields>, origin: string): void {
    const existing = this.#types.get(type.name);
    if (existing) {
      throw new ConfigError(`step type ${type.name} from ${origin} is already registered by ${existing.origin}`, {
        hint: "rename one of the two types",
      });
    }
    const clash = COMMON_STEP_FIELDS.find((field) => field in type.fields.properties);
    if (clash) {
      throw new ConfigError(`step type ${type.name} from ${origin} declares the common field ${clash}`, {
        hint: `${COMMON_STEP_FIELDS.join(", ")} belong to every step`,
      });
    }
    this.#types.set(type.name, { type: type as unknown as StepType, origin });
  }

  get(name: string): StepType | undefined {
    return this.#types.get(name)?.type;
  }

  names(): string[] {
    return [...this.#types.keys()];
  }

  all(): StepType[] {
    return [...this.#types.values()].map((entry) => entry.type);
  }
}
