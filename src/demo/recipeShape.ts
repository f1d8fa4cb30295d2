/**
 * What `nomaflow demo` needs of a project: the recipe's job and two connectors whose URLs come
 * from the recipe's variables, so that setting the variables is all it takes to point the job at
 * the embedded databases (and, later, at real servers) without editing a file.
 */
import { connectorUrl } from "../connectors/connectorUrl.js";
import { UsageError } from "../errors/nomaflowError.js";
import type { Project } from "../project/loadProject.js";
import type { DemoFolders } from "./demoFolders.js";

export const RECIPE_JOB = "reporting-nightly-sync";

/** The connectors of the recipe, each with the variable its URL is read from. */
export const RECIPE_CONNECTORS = [
  { name: "ops-db", variable: "OPS_DB_URL" },
  { name: "reporting-db", variable: "REPORTING_DB_URL" },
] as const;

/** Where the recipe's Slack message and the project's `oncall` channel post. */
export const SLACK_VARIABLE = "SLACK_WEBHOOK_URL";

const HINT = `run it in the nomaflow repository's root, or pass -C with a folder that holds the example project (nomaflow.yaml, jobs/${RECIPE_JOB}.yaml, plugins/reporting/)`;

/** The recipe's variables, pointed at the demo's databases and the Slack stand-in. */
export function demoVariables(folders: DemoFolders, slackUrl: string): Record<string, string> {
  return { OPS_DB_URL: `pglite:${folders.opsDb}`, REPORTING_DB_URL: `pglite:${folders.reportingDb}`, [SLACK_VARIABLE]: slackUrl };
}

/** Throws a UsageError unless the project has the recipe's job file (checked before the project is validated). */
export function requireRecipeJobFile(project: Project): void {
  if (!project.jobFiles.some((entry) => entry.expectedId === RECIPE_JOB)) {
    throw new UsageError(`nomaflow demo runs the example job ${RECIPE_JOB}, and the project in ${project.root} has no jobs/${RECIPE_JOB}.yaml`, { hint: HINT });
  }
}

/**
 * Throws a UsageError unless the project (loaded with `demoVariables` in its environment) has the
 * recipe's connectors, their URLs read from the recipe's variables.
 */
export function requireRecipeConnectors(project: Project): void {
  for (const { name, variable } of RECIPE_CONNECTORS) {
    const config = project.config.connectors.get(name);
    if (!config) throw new UsageError(`nomaflow demo needs connector ${name} in nomaflow.yaml, with url "\${env:${variable}}"`, { hint: HINT });
    let url: string | undefined;
    try {
      url = connectorUrl(config, project.environment);
    } catch {
      url = undefined;
    }
    if (url !== project.environment.values[variable]) {
      // The url is not quoted: it may hold a password.
      throw new UsageError(`connector ${name} does not take its url from ${variable}, so the demo cannot point it at its embedded database`, {
        hint: `set its url to "\${env:${variable}}" in nomaflow.yaml`,
      });
    }
  }
}
