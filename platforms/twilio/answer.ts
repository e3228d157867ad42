import type { PlatformReply } from '../core/adapter.js';

/** Twilio ignores a status callback's body; an empty 204 acknowledges it. */
export const twilioAck = (): PlatformReply => ({ status: 204 });
