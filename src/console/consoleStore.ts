/**
 * The state store as the console reads it, when the project has `state:`: one small pool kept
 * open while the console serves (opened again when `state:` or its connector changes), and never a
 * failed page because of it. When the store cannot be read, `problem` says why and the pages show
 * this host's runs.
 */
import { describeDatabaseError } from "../connectors/connectionErrors.js";
import { connectorUrl } from "../connectors/connectorUrl.js";
import { ConnectorError } from "../errors/nomaflowError.js";
import type { Project } from "../project/loadProject.js";
import type { StatePool } from "../state/statePool.js";

/** A store not set up or older is looked at again this often. */
const RECHECK_VERSION_MS = 30_000;

export class ConsoleStore {
  #opened: Promise<StatePool> | undefined;
  #key: string | undefined;
  #readyUntil = 0;
  #problem: string | null = null;

  /** Why the store could not be read last time, or null. */
  get problem(): string | null {
    return this.#problem;
  }

  /** `schema nomaflow on 127.0.0.1:5432/ops`, or null without `state:`. */
  async describe(project: Project): Promise<string | null> {
    const state = project.config.state;
    if (!state) return null;
    try {
      // Opening the pool connects nothing yet.
      return (await this.#open(project)).describe();
    } catch {
      return `schema ${state.schema} (connector ${state.connector})`;
    }
  }

  /** `read` with the store; undefined without `state:` or when the store cannot be read (see `problem`). */
  async read<T>(project: Project, read: (store: StatePool) => Promise<T>): Promise<T | undefined> {
    if (!project.config.state) return undefined;
    let store: StatePool;
    try {
      store = await this.#open(project);
    } catch (error) {
      this.#problem = `cannot read the run history from the state store: ${(error as Error).message}`;
      return undefined;
    }
    try {
      if (Date.now() >= this.#readyUntil) {
        const { checkStateVersion } = await import("../state/stateVersion.js");
        const version = await checkStateVersion(store);
        if (!version.ready) {
          this.#problem = version.notReady!;
          return undefined;
        }
        this.#readyUntil = Date.now() + RECHECK_VERSION_MS;
      }
      const result = await read(store);
      this.#problem = null;
      return result;
    } catch (error) {
      this.#readyUntil = 0;
      const cause = error instanceof ConnectorError && error.cause !== undefined ? error.cause : error;
      this.#problem = `cannot read the run history from the state store (connector ${store.connectorName}): ${describeDatabaseError(cause, store.server)}`;
      return undefined;
    }
  }

  async close(): Promise<void> {
    const opened = this.#opened;
    this.#opened = undefined;
    this.#key = undefined;
    await opened?.then((pool) => pool.close()).catch(() => {});
  }

  /** The pool for the project's `state:`, one at a time: requests that come together share it. */
  #open(project: Project): Promise<StatePool> {
    const state = project.config.state!;
    const connector = project.config.connectors.get(state.connector);
    let url: string | null;
    try {
      url = connector ? connectorUrl(connector, project.environment) : null;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const key = JSON.stringify([state.connector, state.schema, url]);
    if (this.#opened && this.#key === key) return this.#opened;
    const previous = this.#opened;
    this.#key = key;
    this.#readyUntil = 0;
    this.#opened = (async () => {
      await previous?.then((pool) => pool.close()).catch(() => {});
      // pg is loaded only for a project with a store.
      const { openStatePool } = await import("../state/statePool.js");
      return openStatePool(project, { max: 2, applicationName: "nomaflow:console" });
    })();
    return this.#opened;
  }
}
