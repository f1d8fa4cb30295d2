/**
 * A command runs in a process group of its own (a detached child is a group leader), so that
 * cancelling it reaches everything it started: its children and theirs (STYLE 7).
 */

/** How long a group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2_000;

/** Groups that may still have processes; killed if Nomaflow exits while they run. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killLiveGroupsOnExit(): void {
  // Only synchronous work is possible in an exit handler, so there is no time for a grace period.
  killProcessGroupsNow();
}

/**
 * SIGKILL to every group that may still have processes, without the SIGTERM grace: a forced stop
 * (a second signal) or Nomaflow's exit. Returns how many groups still had processes.
 */
export function killProcessGroupsNow(): number {
  let killed = 0;
  for (const pgid of liveGroups) if (signalGroup(pgid, "SIGKILL")) killed++;
  return killed;
}

/** Sends `signal` to every process of the group; false when the group has no process left. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: a process of the group that we may not signal (it changed user); it is still there.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class ProcessGroup {
  readonly pgid: number;
  #terminating = false;
  #killPending = false;

  /** `pgid` is the pid of a detached child. */
  constructor(pgid: number) {
    this.pgid = pgid;
    liveGroups.add(pgid);
    if (!exitHookInstalled) {
      process.on("exit", killLiveGroupsOnExit);
      exitHookInstalled = true;
    }
  }

  /**
   * SIGTERM to the whole group, then SIGKILL after KILL_GRACE_MS to whatever is left.
   * Returns false when the group was already empty. Calling it again does nothing.
   */
  terminate(): boolean {
    if (this.#terminating) return true;
    this.#terminating = true;
    if (!signalGroup(this.pgid, "SIGTERM")) {
      liveGroups.delete(this.pgid);
      return false;
    }
    this.#killPending = true;
    const timer = setTimeout(() => {
      signalGroup(this.pgid, "SIGKILL");
      this.#killPending = false;
      liveGroups.delete(this.pgid);
    }, KILL_GRACE_MS);
    // Not a reason to keep Nomaflow alive: if it exits first, the exit hook sends SIGKILL.
    timer.unref();
    return true;
  }

  /** The command is over; the group stays tracked only until a scheduled SIGKILL has gone out. */
  release(): void {
    if (!this.#killPending) liveGroups.delete(this.pgid);
  }
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What `superviseGroup` needs of a subprocess (an execa subprocess started `detached`). */
export interface GroupLeader<Result> extends PromiseLike<Result> {
  pid?: number | undefined;
  once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

export interface SuperviseOptions {
  /** Written to the step's log when the group still had processes after its leader exited. */
  onLeftovers: (pgid: number) => void;
  /** Streams to let go of if a process that left the group keeps them open. */
  streams: ReadonlyArray<{ destroy(): void } | null | undefined>;
  /** Also called when the leader exits (before the group is stopped). */
  onExit?: () => void;
  /** Also called when `signal` aborts (before the group is stopped). */
  onAbort?: () => void;
  /** Awaited after the subprocess has settled, before the group is released. */
  afterSettled?: () => Promise<void>;
}

/**
 * Waits for a detached subprocess and its process group: when the leader exits, or `signal`
 * aborts, whatever is left in the group is stopped; a process that left the group (setsid) and
 * still holds the pipes is not waited for. Resolves with the subprocess's result and how the
 * leader ended (undefined: it never started).
 */
export async function superviseGroup<Result>(
  subprocess: GroupLeader<Result>,
  signal: AbortSignal,
  options: SuperviseOptions,
): Promise<{ result: Result; exit: ProcessExit | undefined }> {
  // No pid: the program could not be started; the subprocess's result says why.
  const group = subprocess.pid === undefined ? undefined : new ProcessGroup(subprocess.pid);
  let exit: ProcessExit | undefined;
  let streamGuard: NodeJS.Timeout | undefined;
  subprocess.once("exit", (code, exitSignal) => {
    exit = { code, signal: exitSignal };
    options.onExit?.();
    if (!signal.aborted && group?.terminate()) options.onLeftovers(group.pgid);
    streamGuard = setTimeout(() => {
      for (const stream of options.streams) stream?.destroy();
    }, KILL_GRACE_MS + 500);
  });
  const onAbort = () => {
    options.onAbort?.();
    group?.terminate();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    // With execa's reject: false this settles, never rejects, once the process is gone and its pipes are closed.
    const result = await subprocess;
    await options.afterSettled?.();
    return { result, exit };
  } finally {
    signal.removeEventListener("abort", onAbort);
    clearTimeout(streamGuard);
    group?.release();
  }
}
