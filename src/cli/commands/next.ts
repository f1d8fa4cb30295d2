import { UsageError } from "../../errors/nomaflowError.js";
import { loadProject } from "../../project/loadProject.js";
import { checkJob } from "../../validate/checkProject.js";
import { parseFrom, printFireTimes } from "../fireTimes.js";

export interface NextOptions {
  project?: string;
  count: number;
  from?: string;
  json?: boolean;
}

export async function nextCommand(jobId: string, options: NextOptions): Promise<number> {
  const job = await checkJob(loadProject({ projectDir: options.project }), jobId);
  if (!job.schedule) throw new UsageError(`job ${jobId} has no schedule: it runs only with nomaflow run ${jobId}`);
  const { expression, timezone, cron } = job.schedule;
  return printFireTimes({
    expression,
    cron,
    timezone,
    fromMs: parseFrom(options.from, timezone),
    count: options.count,
    json: options.json ?? false,
    title: (words) => `${job.id}: ${expression} in ${timezone} (${words}${job.enabled ? "" : "; disabled: the daemon does not fire it"})`,
  });
}
