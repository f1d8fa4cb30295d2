/** The sender of each channel type; one list, like the step type registry. */
import type { ChannelSender } from "./channelSender.js";
import { emailSender } from "./emailChannel.js";
import { slackSender } from "./slackChannel.js";
import { teamsSender } from "./teamsChannel.js";
import { webhookSender } from "./webhookChannel.js";

export const channelSenders: Readonly<Record<string, ChannelSender>> = {
  slack: slackSender,
  teams: teamsSender,
  webhook: webhookSender,
  email: emailSender,
};
