import { parseValue, type PlatformAdapter } from '../core/adapter.js';
import { twilioAck } from './answer.js';
import { twilioEndOfCall } from './map.js';
import { FINAL_STATUSES, statusCallback } from './parse.js';
import { verifyTwilio } from './verify.js';

/**
 * Twilio: the call's status callback (`/platforms/twilio/status`). Call start over
 * ConversationRelay is the agent's own WebSocket; only the end of the call is ours.
 */
export function twilioAdapter(options: { authToken: string }): PlatformAdapter {
  return {
    name: 'twilio',
    hooks: [
      {
        path: 'status',
        verify: (request) => verifyTwilio(options.authToken, request),
        async handle(request, core) {
          const status = parseValue(
            statusCallback,
            Object.fromEntries(new URLSearchParams(request.raw.toString('utf8'))),
          );
          if (!FINAL_STATUSES.has(status.CallStatus)) return twilioAck();
          await core.endOfCall(twilioEndOfCall(status, request.now));
          return twilioAck();
        },
      },
    ],
  };
}
