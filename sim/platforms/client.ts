import type { KeyObject } from 'node:crypto';
import type { PlatformName } from '../../platforms/core/types.js';
import type { PlatformSecrets } from '../../platforms/core/config.js';
import { signBland } from '../../platforms/bland/verify.js';
import { signRetell } from '../../platforms/retell/verify.js';
import { signSynthflow } from '../../platforms/synthflow/verify.js';
import { signTelnyx } from '../../platforms/telnyx/verify.js';
import { twilioSignature } from '../../platforms/twilio/verify.js';
import { signVapi } from '../../platforms/vapi/verify.js';
import { devTelnyxPrivateKey, ed25519PrivateKey } from './keys.js';

/**
 * Sends a payload to `/platforms/<platform>/<hook>` signed the way that platform signs it, or
 * deliberately wrong (`bad`: another secret; `stale`: a timestamp 10 minutes old; `none`).
 */
export type Signing = 'good' | 'bad' | 'stale' | 'none';

export interface PlatformClientOptions {
  /** The platforms service's base URL (e.g. http://127.0.0.1:4005). */
  baseUrl: string;
  secrets: PlatformSecrets;
  /** Telnyx's private key matching secrets.telnyxPublicKey (default: the development key). */
  telnyxPrivateKey?: KeyObject;
  now?: () => number;
}

export interface SimResponse {
  status: number;
  body: unknown;
}

const WRONG = 'not-the-secret-0123456789';
const STALE_MS = 10 * 60_000;

export function createPlatformClient(options: PlatformClientOptions) {
  const now = options.now ?? Date.now;
  const telnyxKey = options.telnyxPrivateKey ?? devTelnyxPrivateKey();
  const wrongTelnyxKey = ed25519PrivateKey(Buffer.alloc(32, 7));
  const s = options.secrets;

  function sign(
    platform: PlatformName,
    hook: string,
    url: string,
    raw: string,
    signing: Signing,
  ): Record<string, string> {
    if (signing === 'none') return {};
    const t = signing === 'stale' ? now() - STALE_MS : now();
    const secret = (real: string) => (signing === 'bad' ? WRONG : real);
    switch (platform) {
      case 'vapi':
        return {
          'x-vapi-timestamp': String(t),
          'x-vapi-signature': signVapi(secret(s.vapiHmacSecret), String(t), raw),
        };
      case 'retell':
        return { 'x-retell-signature': signRetell(secret(s.retellApiKey), t, raw) };
      case 'telnyx': {
        const seconds = Math.floor(t / 1000);
        return {
          'telnyx-timestamp': String(seconds),
          'telnyx-signature-ed25519': signTelnyx(signing === 'bad' ? wrongTelnyxKey : telnyxKey, seconds, raw),
        };
      }
      case 'twilio':
        return { 'x-twilio-signature': twilioSignature(secret(s.twilioAuthToken), url, new URLSearchParams(raw)) };
      case 'bland':
        return hook === 'dynamic-data'
          ? { authorization: `Bearer ${secret(s.blandDynamicDataToken)}` }
          : { 'x-webhook-signature': signBland(secret(s.blandWebhookSecret), raw) };
      case 'synthflow':
        return { 'synthflow-signature': signSynthflow(secret(s.synthflowWebhookSecret), raw) };
    }
  }

  return {
    async send(
      platform: PlatformName,
      hook: string,
      payload: Record<string, unknown>,
      signing: Signing = 'good',
    ): Promise<SimResponse> {
      const url = `${options.baseUrl.replace(/\/$/, '')}/platforms/${platform}/${hook}`;
      const form = platform === 'twilio';
      const raw = form ? new URLSearchParams(payload as Record<string, string>).toString() : JSON.stringify(payload);
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
          ...sign(platform, hook, url, raw, signing),
        },
        body: raw,
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body };
    },
  };
}
export type PlatformClient = ReturnType<typeof createPlatformClient>;
