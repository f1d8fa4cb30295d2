/**
 * Notification channels and alerts: what the runner and the daemon use. A channel type is one
 * object (channelType.ts), listed in channelTypes.ts; the notifier delivers to them.
 */
export { abandonedRunRequest, sendRunAlert, runAlertFrom, type RunAlertRequest, type SendRunAlertOptions } from "./sendRunAlert.js";
export { Notifier, pickRecipients, type AlertDelivery, type NotifierOptions, type SendOptions } from "./notifier.js";
export { failureAlert, longRunAlert, notifyAlert, showRunCommand, type AlertKind, type RunAlert } from "./runAlert.js";
export { alertContent, type AlertContent } from "./alertText.js";
export { channelTypes } from "./channelTypes.js";
