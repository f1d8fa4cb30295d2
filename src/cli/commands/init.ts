import { relative, resolve } from "node:path";
import { EXAMPLE_JOB } from "../../init/projectTemplate.js";
import { scaffoldProject, type ScaffoldResult } from "../../init/scaffoldProject.js";
import { createOutput, type Output } from "../output.js";
import { shellQuote } from "../../files/shellQuote.js";
import { selfCommand } from "../selfCommand.js";

export interface InitOptions {
  /** Overwrite the template's files when they are there. @default false */
  force?: boolean;
}

/** `nomaflow init [DIR]`: writes a new project, then says what each file is and what to run next. */
export async function initCommand(dir: string | undefined, options: InitOptions): Promise<number> {
  const output = createOutput();
  const cwd = process.cwd();
  const root = resolve(cwd, dir ?? ".");
  const result = scaffoldProject({ dir: root, force: options.force });
  const fromCwd = relative(cwd, root);
  const where = fromCwd === "" ? "the current folder" : fromCwd.startsWith("..") ? root : fromCwd;
  const { style } = output;

  output.out(`${style.bold("nomaflow init")}: a new project in ${where}`);
  const width = Math.max(...result.files.map((file) => file.path.length));
  for (const file of result.files) {
    output.out(`  ${file.action.padEnd(11)} ${file.path.padEnd(width)}  ${style.dim(file.purpose)}`);
  }
  output.out("");
  for (const line of schemaNote(result, output)) output.out(line);
  output.out("");

  // Typed after the `cd` below, so a path to nomaflow is relative to the project.
  const nomaflow = selfCommand(root);
  output.out(style.bold("Next:"));
  if (fromCwd !== "") output.out(`  cd ${shellQuote(fromCwd.startsWith("..") ? root : fromCwd)}`);
  const next = [
    [`${nomaflow} validate`, "checks nomaflow.yaml and every job"],
    [`${nomaflow} run ${EXAMPLE_JOB}`, "runs the example now; its log goes to runs/"],
    [`${nomaflow} list`, "the jobs, their schedules and last runs"],
  ] as const;
  const commandWidth = Math.max(...next.map(([command]) => command.length));
  for (const [command, why] of next) output.out(`  ${command.padEnd(commandWidth)}  ${style.dim(`# ${why}`)}`);
  output.out(style.dim(`Then add your own: one job per file in jobs/ (the id is the file name), connectors in nomaflow.yaml, secrets in .env.`));
  return 0;
}

/** Where the editors' schemas come from, and what to know about it. */
function schemaNote({ schemas, modelines }: ScaffoldResult, { style }: Output): string[] {
  if (!schemas) return [style.yellow("editor support: no nomaflow schemas/ folder was found, so the files have no yaml-language-server modeline")];
  if (schemas.kind === "dependency") {
    return [
      `editor support: the yaml-language-server modelines point at node_modules/nomaflow/schemas/ (${modelines.config}), which every clone gets with npm ci`,
    ];
  }
  if (!modelines.config?.startsWith("file:")) return [`editor support: the yaml-language-server modelines point at ${modelines.config}, inside the project`];
  return [
    `editor support: the yaml-language-server modelines point at this nomaflow's schemas (${schemas.folder}).`,
    style.dim("  That path holds on this machine only; once nomaflow is installed in the project (node_modules/nomaflow),"),
    style.dim("  change them to ./node_modules/nomaflow/schemas/nomaflow.schema.json and ../node_modules/nomaflow/schemas/job.schema.json."),
  ];
}
