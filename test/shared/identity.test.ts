import { describe, expect, it } from 'vitest';
import {
  IDENTITY_MAX_AGE_MS,
  WEBSOCKET_BINDING,
  createIdentitySigner,
  createIdentityVerifier,
  signIdentity,
  verifyIdentity,
} from '../../shared/identity.js';

const secret = 'test-secret-0123456789';
const agent = { sub: 'agent-7', roles: ['agent' as const], seller: 'acme' };
const body = '{"query":"{ contact(id: \\"hubspot:1\\") { id } }"}';

describe('gateway identity header', () => {
  it('round-trips a signed identity with the body it was signed for', () => {
    expect(verifyIdentity(signIdentity(agent, secret, { body }), secret, body)).toEqual(agent);
    expect(verifyIdentity(signIdentity(agent, secret, { body: Buffer.from(body) }), secret, Buffer.from(body))).toEqual(
      agent,
    );
    expect(verifyIdentity(createIdentitySigner(secret)(agent, body), secret, body)).toEqual(agent);
  });

  it('refuses another body, another secret, a tampered payload, garbage, and a header outside its window', () => {
    const header = signIdentity(agent, secret, { body });
    expect(verifyIdentity(header, secret, body.replace('hubspot:1', 'hubspot:2'))).toBeNull();
    expect(verifyIdentity(header, secret, WEBSOCKET_BINDING)).toBeNull();
    expect(verifyIdentity(header, 'other-secret-0123456789', body)).toBeNull();
    const [, iat, mac] = header.split('.');
    const forged = Buffer.from(JSON.stringify({ ...agent, roles: ['admin'] })).toString('base64url');
    expect(verifyIdentity(`${forged}.${iat}.${mac}`, secret, body)).toBeNull();
    expect(verifyIdentity(`${header.split('.')[0]}.${Number(iat) + 1}.${mac}`, secret, body)).toBeNull();
    expect(verifyIdentity('not-a-header', secret, body)).toBeNull();
    expect(verifyIdentity(`${header}.extra`, secret, body)).toBeNull();
    expect(verifyIdentity(undefined, secret, body)).toBeNull();
    expect(
      verifyIdentity(
        signIdentity(agent, secret, { body, now: Date.now() - IDENTITY_MAX_AGE_MS - 1_000 }),
        secret,
        body,
      ),
    ).toBeNull();
    expect(
      verifyIdentity(
        signIdentity(agent, secret, { body, now: Date.now() + IDENTITY_MAX_AGE_MS + 1_000 }),
        secret,
        body,
      ),
    ).toBeNull();
    expect(IDENTITY_MAX_AGE_MS).toBeLessThanOrEqual(60_000);
  });

  it('the caching verifier answers like verifyIdentity, for repeated and bad headers alike', () => {
    const verify = createIdentityVerifier(secret, 2);
    const header = signIdentity(agent, secret, { body });
    expect(verify(header, body)).toEqual(agent);
    expect(verify(header, body)).toEqual(agent);
    // A remembered identity does not let a header through with another body or a broken MAC.
    expect(verify(header, `${body} `)).toBeNull();
    expect(verify(header.slice(0, -2) + 'xx', body)).toBeNull();
    expect(verify(signIdentity(agent, 'another-secret-123456', { body }), body)).toBeNull();
    expect(verify(signIdentity(agent, secret, { body, now: Date.now() - IDENTITY_MAX_AGE_MS - 1 }), body)).toBeNull();
    for (let i = 0; i < 5; i++)
      expect(verify(signIdentity({ ...agent, sub: `a${i}` }, secret, { body }), body)?.sub).toBe(`a${i}`);
  });
});
