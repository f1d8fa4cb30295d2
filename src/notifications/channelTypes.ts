/**
 * The notification channel types, one list like the step type registry: `validate` checks a
 * channel's fields with its type's schema, the editor schema lists them, the notifier sends with them.
 */
import type { ChannelType } from "./channelType.js";
import { emailChannel } from "./emailChannel.js";
import { slackChannel } from "./slackChannel.js";
import { teamsChannel } from "./teamsChannel.js";
import { webhookChannel } from "./webhookChannel.js";

export const channelTypes: readonly ChannelType[] = [slackChannel, teamsChannel, webhookChannel, emailChannel] as ChannelType[];

const byName = new Map(channelTypes.map((type) => [type.name, type]));

/** The channel type of that name; undefined for a name that is none. */
export function channelType(name: string): ChannelType | undefined {
  return byName.get(name);
}
