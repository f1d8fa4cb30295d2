/** The sender of each channel type; one list, like the step type registry. */
import type { ChannelTypeName } from "../schema/channelTypes.js";
import type { ChannelSender } from "./channelSender.js";
import { emailSender } from "./emailChannel.js";
import { slackSender } from "./slackChannel.js";
import { teamsSender } from "./teamsChannel.js";
import { webhookSender } from "./webhookChannel.js";

/** Keyed by every channel type of schema/channelTypes.ts: one missing here does not compile. */
export const channelSenders: { readonly [Name in ChannelTypeName]: ChannelSender } = {
  slack: slackSender,
  teams: teamsSender,
  webhook: webhookSender,
  email: emailSender,
};
