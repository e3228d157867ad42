import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { AuthenticationError, createAuthenticator } from '../../gateway/authenticator.js';
import { mintDevTokens, signToken } from '../../gateway/dev-tokens.js';
import { TEST_JWT } from './fixtures/subgraphs.js';

const reasonOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('UNAUTHENTICATED');
    return (error as AuthenticationError).reason;
  }
};

describe('bearer JWT authentication (HS256)', () => {
  const auth = createAuthenticator(TEST_JWT);
  const hs = (
    claims: Record<string, unknown>,
    opts: { aud?: string; iss?: string; exp?: number | string; secret?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuer(opts.iss ?? TEST_JWT.issuer)
      .setAudience(opts.aud ?? TEST_JWT.audience)
      .setExpirationTime(opts.exp ?? '1h')
      .sign(new TextEncoder().encode(opts.secret ?? TEST_JWT.secret));

  it('accepts the development tokens of every role, with seller and org (admin and compliance: every seller)', async () => {
    const tokens = await mintDevTokens(TEST_JWT);
    for (const [role, token] of Object.entries(tokens)) {
      const sellers = role === 'admin' || role === 'compliance' ? { sellers: ['*'] } : {};
      expect(await auth.authenticate(`Bearer ${token}`)).toEqual({
        sub: `dev-${role}`,
        roles: [role],
        seller: 'demo-seller',
        org: 'demo-org',
        ...sellers,
      });
    }
  });

  it('refuses what it must', async () => {
    expect(await reasonOf(auth.authenticate(undefined))).toBe('missing');
    expect(await reasonOf(auth.authenticate('Bearer not-a-jwt'))).toBe('malformed');
    expect(
      await reasonOf(
        auth.authenticate(
          `Bearer ${await hs({ roles: ['agent'] }, { secret: 'another-secret-0123456789abcdef0123456789' })}`,
        ),
      ),
    ).toBe('invalid');
    expect(await reasonOf(auth.authenticate(`Bearer ${await hs({ roles: ['agent'] }, { aud: 'someone-else' })}`))).toBe(
      'invalid',
    );
    expect(await reasonOf(auth.authenticate(`Bearer ${await hs({ roles: ['agent'] }, { iss: 'someone-else' })}`))).toBe(
      'invalid',
    );
    expect(
      await reasonOf(
        auth.authenticate(`Bearer ${await hs({ roles: ['agent'] }, { exp: Math.floor(Date.now() / 1000) - 60 })}`),
      ),
    ).toBe('invalid');
    expect(await reasonOf(auth.authenticate(`Bearer ${await hs({ roles: [] })}`))).toBe('claims');
    // `service` is for subgraph-to-subgraph calls; a caller's JWT cannot claim it.
    expect(await reasonOf(auth.authenticate(`Bearer ${await hs({ roles: ['service'] })}`))).toBe('claims');
  });

  it('refuses a token without exp and one that lives longer than the configured maximum', async () => {
    const key = new TextEncoder().encode(TEST_JWT.secret);
    const base = () =>
      new SignJWT({ roles: ['agent'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u1')
        .setIssuer(TEST_JWT.issuer)
        .setAudience(TEST_JWT.audience)
        .setIssuedAt();
    expect(await reasonOf(auth.authenticate(`Bearer ${await base().sign(key)}`))).toBe('invalid');
    expect(await reasonOf(auth.authenticate(`Bearer ${await base().setExpirationTime('13h').sign(key)}`))).toBe(
      'lifetime',
    );
    expect(await reasonOf(auth.authenticate(`Bearer ${await base().setExpirationTime('12h').sign(key)}`))).toBe(
      'accepted',
    );
    const strict = createAuthenticator({ ...TEST_JWT, maxLifetimeS: 600 });
    expect(await reasonOf(strict.authenticate(`Bearer ${await base().setExpirationTime('1h').sign(key)}`))).toBe(
      'lifetime',
    );
    expect(
      (await strict.authenticateUntil(`Bearer ${await base().setExpirationTime('5m').sign(key)}`)).expiresAt,
    ).toBeGreaterThan(Date.now());
  });

  it('does not accept an unsigned (alg none) token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'x', roles: ['admin'], iss: TEST_JWT.issuer, aud: TEST_JWT.audience }),
    ).toString('base64url');
    expect(await reasonOf(auth.authenticate(`Bearer ${header}.${payload}.`))).toBe('invalid');
  });
});

describe('bearer JWT authentication (JWKS, identity provider)', () => {
  let server: http.Server;
  let jwksUrl: string;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies RS256 tokens against the JWKS and refuses HS256 ones signed with the shared secret', async () => {
    const auth = createAuthenticator({ ...TEST_JWT, jwksUrl });
    const token = await new SignJWT({ roles: ['analyst'], org: 'acme' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('idp-user')
      .setIssuer(TEST_JWT.issuer)
      .setAudience(TEST_JWT.audience)
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await auth.authenticate(`Bearer ${token}`)).toEqual({ sub: 'idp-user', roles: ['analyst'], org: 'acme' });
    expect(
      await reasonOf(auth.authenticate(`Bearer ${await signToken({ sub: 'x', roles: ['admin'] }, TEST_JWT)}`)),
    ).toBe('invalid');
  });
});
