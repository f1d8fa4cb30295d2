/**
 * `GET api/connectors` and `POST api/connectors/NAME/test`: the connectors of nomaflow.yaml as
 * `nomaflow connectors list` shows them (the password as `***`, and any other value of the
 * environment masked as run logs mask it), and the same check as `nomaflow connectors test`.
 */
import { describeConnectorTarget } from "../connectors/describeConnectorTarget.js";
import { didYouMean } from "../errors/closestMatch.js";
import type { Project } from "../project/loadProject.js";
import { defaultOf } from "../schema/common.js";
import { ConnectorPool } from "../schema/configSchema.js";
import { collectKnownSecrets } from "../secrets/knownSecrets.js";
import { MASK, SecretMasker } from "../secrets/secretMasker.js";
import type { ConnectorTestResult, ConnectorView } from "./consoleApi.js";
import { HttpRefusal } from "./httpAnswers.js";

export function connectorViews(project: Project): ConnectorView[] {
  const masker = new SecretMasker();
  collectKnownSecrets(project, undefined, masker);
  return [...project.config.connectors.values()].map((config) => {
    const { kind, target } = describeConnectorTarget(config, project.environment, { password: MASK });
    return { name: config.name, kind, target: masker.mask(target), poolMax: config.pool.max ?? defaultOf(ConnectorPool.properties.max) };
  });
}

/** @throws HttpRefusal 404 for a connector nomaflow.yaml does not have */
export async function testConnector(project: Project, name: string): Promise<ConnectorTestResult> {
  if (!project.config.connectors.has(name)) {
    const known = [...project.config.connectors.keys()];
    throw new HttpRefusal(404, `no connector ${name} in nomaflow.yaml`, {
      hint: didYouMean(name, known) ?? (known.length ? `connectors: ${known.join(", ")}` : "add one under connectors:"),
    });
  }
  // The drivers (pg, PGlite) load with the first test, not with the console.
  const [{ ConnectorSet }, { checkConnection, shortServerVersion }] = await Promise.all([
    import("../connectors/connectorSet.js"),
    import("../connectors/checkConnection.js"),
  ]);
  const connectors = new ConnectorSet({ connectors: project.config.connectors, environment: project.environment, projectRoot: project.root });
  try {
    const check = await checkConnection(connectors, name, { applicationName: "nomaflow:console-test" });
    const masker = new SecretMasker();
    collectKnownSecrets(project, undefined, masker);
    return {
      name,
      ok: check.ok,
      latencyMs: check.latencyMs,
      message: check.ok ? shortServerVersion(check.version!) : masker.mask(check.error ?? "unknown error"),
      hint: check.hint === null ? null : masker.mask(check.hint),
    };
  } finally {
    await connectors.closeAll();
  }
}
