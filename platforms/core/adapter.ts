import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { PlatformCore, PlatformName } from './types.js';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';

/**
 * The one shape every platform folder implements (platforms/<name>/index.ts). Each hook is served
 * at `POST /platforms/<name>/<hook>`; the service calls `verify` on the raw bytes first and `handle`
 * only for a request that verified, so no platform can parse before it authenticates.
 */

export interface PlatformRequest {
  /** The body exactly as received (signatures cover these bytes). */
  raw: Buffer;
  headers: IncomingHttpHeaders;
  /** The URL the platform called, as it sees it (PLATFORMS_PUBLIC_URL + path + query): Twilio signs it. */
  publicUrl: string;
  /** Server clock, for replay windows (injectable in tests). */
  now: number;
}

export interface PlatformReply {
  status: number;
  /** JSON-serialized unless `contentType` says otherwise. */
  body?: unknown;
  contentType?: string;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'stale' };

export interface PlatformHook {
  /** Path segment(s) after `/platforms/<name>/`, e.g. `events` or `functions/check_permission`. */
  path: string;
  verify(request: PlatformRequest): VerifyResult;
  handle(request: PlatformRequest, core: PlatformCore): Promise<PlatformReply>;
}

export interface PlatformAdapter {
  name: PlatformName;
  hooks: PlatformHook[];
}

/** A payload that verified but does not parse: 400, nothing stored. */
export class PlatformInputError extends DialplaneError {
  constructor(
    message: string,
    readonly issues: { field: string; message: string }[] = [],
  ) {
    super(ErrorCode.BAD_USER_INPUT, message);
    this.name = 'PlatformInputError';
  }
}

/** JSON.parse + zod, raising PlatformInputError with the fields that failed. */
export function parseJson<S extends z.ZodType>(schema: S, raw: Buffer): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new PlatformInputError('body is not valid JSON');
  }
  return parseValue(schema, json);
}

export function parseValue<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new PlatformInputError(
      'payload does not match the platform schema',
      result.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })),
    );
  }
  return result.data;
}

/** A header's single value (node joins or arrays repeated ones). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Variables a platform's prompt can read: flat strings, prefixed so they never clash with the user's. */
export type PromptVariables = Record<string, string>;

export const ack = (body: unknown = { received: true }): PlatformReply => ({ status: 200, body });
