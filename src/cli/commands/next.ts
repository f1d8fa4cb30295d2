import { UsageError } from "../../errors/nomaflowError.js";
import { loadProject } from "../../project/loadProject.js";
import { checkJob } from "../../validate/checkProject.js";
import { chainRootOf } from "../chainRootOf.js";
import { parseFrom, printFireTimes } from "../fireTimes.js";
import { createOutput, printJson } from "../output.js";
import { formatChain } from "../render/formatChain.js";

export interface NextOptions {
  project?: string;
  count: number;
  from?: string;
  json?: boolean;
}

export async function nextCommand(jobId: string, options: NextOptions): Promise<number> {
  const project = loadProject({ projectDir: options.project });
  const job = await checkJob(project, jobId);
  const disabled = job.enabled ? "" : "; disabled: the daemon does not fire it";
  const trigger = job.trigger && { after: job.trigger.after, on: job.trigger.on };
  if (job.schedule) {
    const { expression, timezone, cron } = job.schedule;
    return printFireTimes({
      expression,
      cron,
      timezone,
      fromMs: parseFrom(options.from, timezone),
      count: options.count,
      json: options.json ?? false,
      title: (words) => `${job.id}: ${expression} in ${timezone} (${words}${disabled})`,
      subtitle: job.trigger && (() => `and ${formatChain(job.trigger!)}`),
      extra: trigger ? { trigger } : undefined,
    });
  }
  if (!job.trigger) throw new UsageError(`job ${jobId} has no schedule: it runs only with nomaflow run ${jobId}`);
  // A chained job runs for the logical dates of the job its chain starts from: those are shown.
  const root = await chainRootOf(project, job);
  const title = `${job.id}: ${formatChain(job.trigger)}${disabled}`;
  if (!root?.schedule) {
    const why = root ? `${root.id} has no schedule: ${job.id} runs after its runs, for their logical dates` : `${job.trigger.after[0]} is not a valid job`;
    if (options.json) printJson(createOutput(), { cron: null, timezone: null, words: null, fires: [], trigger, dates_of: root?.id ?? null });
    else createOutput().out(`${title}\n  ${why}`);
    return 0;
  }
  const { expression, timezone, cron } = root.schedule;
  return printFireTimes({
    expression,
    cron,
    timezone,
    fromMs: parseFrom(options.from, timezone),
    count: options.count,
    json: options.json ?? false,
    title: () => title,
    subtitle: (words) => `for the logical dates of ${root.id}: ${expression} in ${timezone} (${words})`,
    extra: { trigger, dates_of: root.id },
  });
}
