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
  if (!job.schedule && !job.trigger) throw new UsageError(`job ${jobId} has no schedule: it runs only with nomaflow run ${jobId}`);
  // A chained job without a schedule runs for the logical dates of the job its chain starts from: those are shown.
  const root = job.schedule ? job : await chainRootOf(project, job);
  const chainTitle = () => `${job.id}: ${formatChain(job.trigger!)}${disabled}`;
  if (!root?.schedule) {
    const why = root ? `${root.id} has no schedule: ${job.id} runs after its runs, for their logical dates` : `${job.trigger!.after[0]} is not a valid job`;
    if (options.json) printJson(createOutput(), { cron: null, timezone: null, words: null, fires: [], trigger, dates_of: root?.id ?? null });
    else createOutput().out(`${chainTitle()}\n  ${why}`);
    return 0;
  }
  const { expression, timezone, cron } = root.schedule;
  const own = root === job;
  return printFireTimes({
    expression,
    cron,
    timezone,
    fromMs: parseFrom(options.from, timezone),
    count: options.count,
    json: options.json ?? false,
    title: own ? (words) => `${job.id}: ${expression} in ${timezone} (${words}${disabled})` : chainTitle,
    subtitle: own
      ? job.trigger && (() => `and ${formatChain(job.trigger!)}`)
      : (words) => `for the logical dates of ${root.id}: ${expression} in ${timezone} (${words})`,
    extra: own ? (trigger ? { trigger } : undefined) : { trigger, dates_of: root.id },
  });
}
