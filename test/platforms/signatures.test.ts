import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { assertPlatformsProductionReady, DEV_PLATFORM_SECRETS, platformsEnv } from '../../platforms/core/config.js';
import type { PlatformRequest } from '../../platforms/core/adapter.js';
import { signRetell, verifyRetell } from '../../platforms/retell/verify.js';
import { signTelnyx, telnyxPublicKey, verifyTelnyx } from '../../platforms/telnyx/verify.js';
import { twilioSignature, verifyTwilio } from '../../platforms/twilio/verify.js';
import { signSynthflow, verifySynthflow } from '../../platforms/synthflow/verify.js';
import { signVapi, verifyVapi } from '../../platforms/vapi/verify.js';
import { devTelnyxPrivateKey } from '../../sim/platforms/keys.js';

const NOW = Date.parse('2026-12-05T09:00:00Z');
const req = (raw: string, headers: Record<string, string>, publicUrl = 'http://x/'): PlatformRequest => ({
  raw: Buffer.from(raw),
  headers,
  publicUrl,
  now: NOW,
});

describe('platform signature schemes', () => {
  it('twilio: matches the published test vector (twilio-ruby request_validator_spec, a Voice request)', () => {
    // Vector from Twilio's own helper-library spec: token, URL, form parameters and the signature Twilio sent.
    const params = new URLSearchParams({
      ToState: 'California',
      CalledState: 'California',
      Direction: 'inbound',
      FromState: 'CA',
      AccountSid: 'ACba8bc05eacf94afdae398e642c9cc32d',
      Caller: '+14153595711',
      CallerZip: '94108',
      CallerCountry: 'US',
      From: '+14153595711',
      FromCity: 'SAN FRANCISCO',
      CallerCity: 'SAN FRANCISCO',
      To: '+14157669926',
      FromZip: '94108',
      FromCountry: 'US',
      ToCity: '',
      CallStatus: 'ringing',
      CalledCity: '',
      CallerState: 'CA',
      CalledZip: '',
      ToZip: '',
      ToCountry: 'US',
      CallSid: 'CA136d09cd59a3c0ec8dbff44da5c03f31',
      CalledCountry: 'US',
      Called: '+14157669926',
      ApiVersion: '2010-04-01',
      ApplicationSid: 'AP44efecad51364e80b133bb7c07eb8204',
    });
    const url = 'http://twiliotests.heroku.com/validate/voice';
    expect(twilioSignature('2bd9e9638872de601313dc77410d3b23', url, params)).toBe('oVb2kXoVy8GEfwBDjR8bk/ZZ6eA=');
    expect(
      verifyTwilio(
        '2bd9e9638872de601313dc77410d3b23',
        req(params.toString(), { 'x-twilio-signature': 'oVb2kXoVy8GEfwBDjR8bk/ZZ6eA=' }, url),
      ),
    ).toEqual({ ok: true });
    // The URL is part of what is signed: the same request at another URL does not verify.
    expect(
      verifyTwilio(
        '2bd9e9638872de601313dc77410d3b23',
        req(params.toString(), { 'x-twilio-signature': 'oVb2kXoVy8GEfwBDjR8bk/ZZ6eA=' }, `${url}?x=1`),
      ).ok,
    ).toBe(false);
  });

  it("synthflow: base64 HMAC-SHA256 of the call_id, as the docs' reference code computes it", () => {
    // docs.synthflow.ai "Webhooks Security": payload = call_id, hmac.new(secret, call_id, sha256).digest(), base64-encoded.
    const secret = 'your-secret-key';
    const body = JSON.stringify({ status: 'completed', call: { call_id: '123456789', end_call_reason: 'hangup' } });
    const documented = createHmac('sha256', secret).update('123456789').digest('base64');
    expect(verifySynthflow(secret, req(body, { http_synthflow_signature: documented }))).toEqual({ ok: true });
    expect(verifySynthflow(secret, req(body, { 'synthflow-signature': documented }))).toEqual({ ok: true });
    expect(signSynthflow(secret, body)).toBe(documented);
    // Another call's signature, or the hex spelling of the same MAC, does not verify.
    expect(
      verifySynthflow(
        secret,
        req(body, { 'synthflow-signature': createHmac('sha256', secret).update('987654321').digest('base64') }),
      ).ok,
    ).toBe(false);
    expect(
      verifySynthflow(
        secret,
        req(body, { 'synthflow-signature': createHmac('sha256', secret).update('123456789').digest('hex') }),
      ).ok,
    ).toBe(false);
  });

  it('telnyx: Ed25519 over "timestamp|body" verifies with the public key only, within 5 minutes', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const b64 = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
    const key = telnyxPublicKey(b64);
    const body = '{"data":{"event_type":"call.hangup"}}';
    const ts = Math.floor(NOW / 1000);
    const signature = signTelnyx(privateKey, ts, body);
    expect(
      verifyTelnyx(key, req(body, { 'telnyx-timestamp': String(ts), 'telnyx-signature-ed25519': signature })),
    ).toEqual({ ok: true });
    expect(
      verifyTelnyx(key, req(`${body} `, { 'telnyx-timestamp': String(ts), 'telnyx-signature-ed25519': signature })),
    ).toEqual({ ok: false, reason: 'mismatch' });
    expect(
      verifyTelnyx(key, req(body, { 'telnyx-timestamp': String(ts + 1), 'telnyx-signature-ed25519': signature })),
    ).toEqual({ ok: false, reason: 'mismatch' });
    const old = ts - 301;
    expect(
      verifyTelnyx(
        key,
        req(body, { 'telnyx-timestamp': String(old), 'telnyx-signature-ed25519': signTelnyx(privateKey, old, body) }),
      ),
    ).toEqual({ ok: false, reason: 'stale' });
    // The development key pair: the simulator's private half matches the configured public default.
    const dev = telnyxPublicKey(DEV_PLATFORM_SECRETS.TELNYX_PUBLIC_KEY);
    expect(
      verifyTelnyx(
        dev,
        req(body, {
          'telnyx-timestamp': String(ts),
          'telnyx-signature-ed25519': signTelnyx(devTelnyxPrivateKey(), ts, body),
        }),
      ),
    ).toEqual({ ok: true });
  });

  it('retell: v=<ms>,d=<hex HMAC-SHA256(body + timestamp)>', () => {
    const body = '{"event":"call_ended"}';
    const header = signRetell('key_0123456789abcdef', NOW, body);
    expect(header).toMatch(/^v=\d{13},d=[0-9a-f]{64}$/);
    expect(verifyRetell('key_0123456789abcdef', req(body, { 'x-retell-signature': header }))).toEqual({ ok: true });
    expect(
      verifyRetell('key_0123456789abcdef', req(body, { 'x-retell-signature': header.replace(/v=\d+/, `v=${NOW + 1}`) }))
        .ok,
    ).toBe(false);
    expect(
      verifyRetell(
        'key_0123456789abcdef',
        req(body, { 'x-retell-signature': signRetell('key_0123456789abcdef', NOW - 301_000, body) }),
      ),
    ).toEqual({ ok: false, reason: 'stale' });
  });

  it('vapi: HMAC-SHA256 over "{timestamp}.{body}", hex, from the x-vapi-* or default x-* headers', () => {
    const body = '{"message":{"type":"status-update"}}';
    const sig = signVapi('vapi-secret-0123456789', String(NOW), body);
    expect(
      verifyVapi('vapi-secret-0123456789', req(body, { 'x-vapi-timestamp': String(NOW), 'x-vapi-signature': sig })),
    ).toEqual({ ok: true });
    const seconds = String(Math.floor(NOW / 1000));
    expect(
      verifyVapi(
        'vapi-secret-0123456789',
        req(body, { 'x-timestamp': seconds, 'x-signature': signVapi('vapi-secret-0123456789', seconds, body) }),
      ),
    ).toEqual({ ok: true });
    expect(
      verifyVapi(
        'vapi-secret-0123456789',
        req(body, {
          'x-vapi-timestamp': String(NOW),
          'x-vapi-signature': sig.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
        }),
      ).ok,
    ).toBe(false);
  });
});

describe('platform secrets', () => {
  it('are refused in production while they are the development defaults, and a public URL is required there', () => {
    expect(() =>
      loadConfig(platformsEnv, {
        NODE_ENV: 'production',
        JWT_SECRET: 'j'.repeat(40),
        DIALPLANE_INTERNAL_SECRET: 'i'.repeat(32),
      }),
    ).toThrow(/RETELL_API_KEY.*TELNYX_PUBLIC_KEY.*VAPI_HMAC_SECRET/s);
    const { publicKey } = generateKeyPairSync('ed25519');
    const secrets = {
      NODE_ENV: 'production',
      JWT_SECRET: 'j'.repeat(40),
      DIALPLANE_INTERNAL_SECRET: 'i'.repeat(32),
      VAPI_HMAC_SECRET: 'v'.repeat(32),
      RETELL_API_KEY: 'r'.repeat(32),
      TWILIO_AUTH_TOKEN: 't'.repeat(32),
      BLAND_WEBHOOK_SECRET: 'b'.repeat(32),
      BLAND_DYNAMIC_DATA_TOKEN: 'd'.repeat(32),
      SYNTHFLOW_WEBHOOK_SECRET: 's'.repeat(32),
      TELNYX_PUBLIC_KEY: Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64'),
    };
    expect(() => assertPlatformsProductionReady(loadConfig(platformsEnv, secrets))).toThrow(/PLATFORMS_PUBLIC_URL/);
    expect(() =>
      assertPlatformsProductionReady(
        loadConfig(platformsEnv, { ...secrets, PLATFORMS_PUBLIC_URL: 'https://voice.example.com' }),
      ),
    ).not.toThrow();
    expect(() => loadConfig(platformsEnv, { TELNYX_PUBLIC_KEY: 'c2hvcnQ=' })).toThrow(/TELNYX_PUBLIC_KEY/);
  });
});
