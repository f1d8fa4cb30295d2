/**
 * The project the console shows, checked once and kept: checking a thousand job files takes about
 * a second, a page asks every few seconds. A cheap scan (the names, sizes and times of
 * nomaflow.yaml, the env file and jobs/*.yaml), at most once a second, tells when to load and check
 * it again; `reload()` forces it. Concurrent requests share one check.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_FILE, JOBS_DIR, loadProject, type LoadProjectOptions, type Project } from "../project/loadProject.js";
import { checkProject, type CheckedProject } from "../validate/checkProject.js";

export interface LoadedProject {
  project: Project;
  checked: CheckedProject;
  /** Counts the loads: a cache keyed by it knows the project changed. */
  generation: number;
}

export interface WatchedProjectOptions extends Pick<LoadProjectOptions, "projectDir" | "cwd" | "processEnv"> {
  /**
   * The project someone else keeps checked (the daemon serving the console): used as it is, never
   * loaded or checked here.
   */
  checkedBy?: () => { project: Project; checked: CheckedProject };
  /** The files are looked at no more often. @default 1000 */
  scanEveryMs?: number;
  /** @default Date.now */
  now?: () => number;
}

export class WatchedProject {
  readonly #options: WatchedProjectOptions;
  #loaded: Promise<LoadedProject> | undefined;
  #signature: string | undefined;
  #scannedAt = -Infinity;
  #generation = 0;

  constructor(options: WatchedProjectOptions) {
    this.#options = options;
  }

  /**
   * The checked project, loaded again first when its files changed.
   * @throws UsageError / ConfigError when the project cannot be loaded (no nomaflow.yaml, an unreadable env file)
   */
  async current(): Promise<LoadedProject> {
    if (this.#options.checkedBy) return this.#borrowed(this.#options.checkedBy());
    const now = (this.#options.now ?? Date.now)();
    if (this.#loaded && now - this.#scannedAt < (this.#options.scanEveryMs ?? 1000)) return this.#loaded;
    this.#scannedAt = now;
    if (this.#loaded) {
      const { project } = await this.#loaded.catch(() => ({ project: undefined }));
      if (project && scanSignature(project) === this.#signature) return this.#loaded;
    }
    return this.reload();
  }

  #borrowedFrom: CheckedProject | undefined;
  #borrowedLoaded: LoadedProject | undefined;

  #borrowed({ project, checked }: { project: Project; checked: CheckedProject }): LoadedProject {
    if (this.#borrowedFrom !== checked) {
      this.#borrowedFrom = checked;
      this.#borrowedLoaded = { project, checked, generation: ++this.#generation };
    }
    return this.#borrowedLoaded!;
  }

  /** Loads and checks the project again now. */
  reload(): Promise<LoadedProject> {
    const loading = (async () => {
      const project = loadProject({ projectDir: this.#options.projectDir, cwd: this.#options.cwd, processEnv: this.#options.processEnv });
      // Taken before the check: a file changed during it is seen at the next scan.
      this.#signature = scanSignature(project);
      const checked = await checkProject(project);
      return { project, checked, generation: ++this.#generation };
    })();
    // A failed load is tried again at the next request, not kept.
    loading.catch(() => {
      if (this.#loaded === loading) this.#loaded = undefined;
    });
    this.#loaded = loading;
    return loading;
  }
}

/** Names, sizes and modification times of the files a project is read from. */
function scanSignature(project: Project): string {
  const parts = [stamp(join(project.root, CONFIG_FILE)), stamp(project.config.envFile)];
  let names: string[] = [];
  try {
    names = readdirSync(join(project.root, JOBS_DIR)).sort();
  } catch {
    // No jobs/ folder: no jobs, until one appears.
  }
  for (const name of names) parts.push(`${name}:${stamp(join(project.root, JOBS_DIR, name))}`);
  return parts.join("\n");
}

function stamp(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.size}/${stat.mtimeMs}`;
  } catch {
    return "-";
  }
}
