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
  for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
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
