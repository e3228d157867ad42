import QuickLRU from 'quick-lru';
import type { NextAction } from './outcome-input.js';
import type { PlatformName } from './types.js';

/**
 * What this process remembers about a live call between the platform's call start, its tool
 * calls and its end-of-call event: the contact and decision the call started with, an opt-out
 * already recorded, and a next action a tool asked for. Bounded and short-lived; a call this
 * process did not see start (another replica, a restart) is resolved again at its end, so the
 * memory only saves work and carries tool results into the outcome.
 */
export interface CallMemoryEntry {
  contactId?: string;
  decisionId?: string;
  optedOut?: boolean;
  nextAction?: NextAction;
  nextActionAt?: string;
}

const MAX_CALLS = 50_000;
const CALL_TTL_MS = 4 * 60 * 60_000;

export class CallMemory {
  private readonly calls = new QuickLRU<string, CallMemoryEntry>({ maxSize: MAX_CALLS, maxAge: CALL_TTL_MS });

  /** By call id, else by the customer's number (Retell and Synthflow start calls without an id). */
  get(platform: PlatformName, callId: string | undefined, phone: string | null): CallMemoryEntry | undefined {
    return (
      (callId ? this.calls.get(key(platform, 'call', callId)) : undefined) ??
      (phone ? this.calls.get(key(platform, 'phone', phone)) : undefined)
    );
  }

  update(
    platform: PlatformName,
    callId: string | undefined,
    phone: string | null,
    patch: CallMemoryEntry,
  ): CallMemoryEntry {
    const merged = { ...this.get(platform, callId, phone), ...patch };
    if (callId) this.calls.set(key(platform, 'call', callId), merged);
    if (phone) this.calls.set(key(platform, 'phone', phone), merged);
    return merged;
  }
}

const key = (platform: PlatformName, kind: 'call' | 'phone', id: string) => `${platform}|${kind}|${id}`;
