import { describe, expect, it } from 'vitest';
import { IDENTITY_MAX_AGE_MS, createIdentityVerifier, signIdentity, verifyIdentity } from '../../shared/identity.js';

const secret = 'test-secret-0123456789';
const agent = { sub: 'agent-7', roles: ['agent' as const], seller: 'acme' };

describe('gateway identity header', () => {
  it('round-trips a signed identity', () => {
    expect(verifyIdentity(signIdentity(agent, secret), secret)).toEqual(agent);
  });
  it('refuses another secret, a tampered payload, garbage and a stale signature', () => {
    const header = signIdentity(agent, secret);
    expect(verifyIdentity(header, 'other-secret-0123456789')).toBeNull();
    const [data, mac] = header.split('.');
    const forged = Buffer.from(JSON.stringify({ ...agent, roles: ['admin'], iat: Date.now() })).toString('base64url');
    expect(verifyIdentity(`${forged}.${mac}`, secret)).toBeNull();
    expect(verifyIdentity(`${data}.`, secret)).toBeNull();
    expect(verifyIdentity('not-a-header', secret)).toBeNull();
    expect(verifyIdentity(undefined, secret)).toBeNull();
    const old = signIdentity(agent, secret, Date.now() - IDENTITY_MAX_AGE_MS - 1_000);
    expect(verifyIdentity(old, secret)).toBeNull();
  });

  it('the caching verifier answers like verifyIdentity, for repeated and bad headers alike', () => {
    const verify = createIdentityVerifier(secret, 2);
    const header = signIdentity(agent, secret);
    expect(verify(header)).toEqual(agent);
    expect(verify(header)).toEqual(agent);
    expect(verify(header.slice(0, -2) + 'xx')).toBeNull();
    expect(verify(signIdentity(agent, 'another-secret-123456'))).toBeNull();
    expect(verify(signIdentity(agent, secret, Date.now() - IDENTITY_MAX_AGE_MS - 1))).toBeNull();
    for (let i = 0; i < 5; i++) expect(verify(signIdentity({ ...agent, sub: `a${i}` }, secret))?.sub).toBe(`a${i}`);
  });
});
