import { describe, expect, it } from 'vitest';
import { hubspotWebhookPortal } from '../../crm/hubspot/connector.js';
import type { CrmConnection } from '../../shared/crm/connection.js';
import { routeSeller } from '../../shared/crm/connection-router.js';
import { MemoryConnectionDirectory } from '../support/connection-directory.js';

/** The pure decisions of routing by connection: which account serves a seller, which portal a delivery names. */
const connection = (over: Partial<CrmConnection> = {}): CrmConnection => ({
  id: 'conn_1',
  seller: 'acme',
  crm: 'hubspot',
  account: '62515',
  baseUrl: 'https://api.hubapi.com',
  credentials: { accessToken: 'secret' },
  mappingOverrides: {},
  revision: 1,
  status: 'active',
  ...over,
});

describe('routeSeller', () => {
  const directory = new MemoryConnectionDirectory([
    connection(),
    connection({ id: 'conn_2', seller: 'globex', status: 'disabled' }),
  ]);

  it('routes a seller with an active connection to it, on this CRM only', () => {
    expect(routeSeller(directory, 'hubspot', 'acme', true)).toMatchObject({
      kind: 'connection',
      connection: { id: 'conn_1' },
    });
    expect(routeSeller(directory, 'salesforce', 'acme', true)).toEqual({ kind: 'deployment' });
  });

  it('routes everyone else to the deployment connection, or nowhere when it is not shared', () => {
    for (const seller of ['globex', 'initech', undefined, null]) {
      expect(routeSeller(directory, 'hubspot', seller, true)).toEqual({ kind: 'deployment' });
      expect(routeSeller(directory, 'hubspot', seller, false)).toEqual({ kind: 'missing' });
    }
  });
});

describe('hubspotWebhookPortal', () => {
  const request = (body: string) => ({
    method: 'POST',
    url: 'https://x/webhooks/hubspot',
    headers: {},
    body: Buffer.from(body),
    receivedAt: 0,
  });

  it('reads the portal of the first event', () => {
    expect(hubspotWebhookPortal(request(JSON.stringify([{ portalId: 62515, objectId: 1 }])))).toBe('62515');
  });

  it('answers null for a delivery that names no portal or is not JSON', () => {
    for (const body of ['[]', '{}', 'not json', JSON.stringify([{ portalId: 'x1' }])])
      expect(hubspotWebhookPortal(request(body))).toBeNull();
  });
});
