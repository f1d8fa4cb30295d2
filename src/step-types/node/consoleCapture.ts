/**
 * `console.log` inside a node callable becomes a log line of its step, as `print()` does for a
 * python step. The function runs in a worker thread beside other steps' functions, so the
 * console is routed by async context: calls made while a step's function (or anything it
 * awaits) is running go to that step; every other call goes to the real console.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { formatWithOptions } from "node:util";
import type { LogLevel } from "../stepType.js";

type StepLog = (level: LogLevel, message: string) => void;

const current = new AsyncLocalStorage<StepLog>();
const LEVELS: Record<string, LogLevel> = { debug: "debug", trace: "debug", log: "info", info: "info", warn: "warning", error: "error" };
let installed = false;

function install(): void {
  installed = true;
  for (const [method, level] of Object.entries(LEVELS)) {
    const original = (console as unknown as Record<string, (...args: unknown[]) => void>)[method]!.bind(console);
    (console as unknown as Record<string, (...args: unknown[]) => void>)[method] = (...args: unknown[]) => {
      const log = current.getStore();
      if (log) log(level, formatWithOptions({ colors: false }, ...args));
      else original(...args);
    };
  }
}

/** Functions running with a captured console. */
let capturing = 0;

/**
 * Runs `work` with the console of its async context writing to `log`. While no function runs,
 * the async context is switched off: it hooks every promise the process makes, which slowed a
 * daemon firing a thousand runs by half; the next capture switches it on again.
 */
export async function withConsoleCapture<T>(log: StepLog, work: () => T | Promise<T>): Promise<T> {
  if (!installed) install();
  capturing++;
  try {
    return await current.run(log, work);
  } finally {
    if (--capturing === 0) current.disable();
  }
}
