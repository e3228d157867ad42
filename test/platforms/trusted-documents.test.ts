import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { loadManifest } from '../../shared/trusted-documents-manifest.js';
import { startPlatformsService, type RunningPlatformsService } from '../../platforms/service.js';
import { simCall } from '../../sim/platforms/calls.js';
import { createPlatformClient } from '../../sim/platforms/client.js';
import * as payloads from '../../sim/platforms/payloads.js';
import { startStack, type Stack } from '../support/stack.js';
import { platformsConfigFor } from './support.js';

/**
 * In production the gateway runs registered documents only for agent callers (issue 10), and the
 * platforms service is such a caller: its operations are in the trusted-documents manifest and it
 * sends their ids. Before, it sent its own texts, and a production gateway refused every call start.
 */
const MANIFEST = path.resolve('examples/generated/trusted/persisted-documents.json');
const CALLER = '+18085550120'; // Salesforce demo contact

let stack: Stack;
const services: RunningPlatformsService[] = [];

async function platformsWith(manifestPath: string) {
  const config = platformsConfigFor(stack, {
    PLATFORMS_CALL_START_BUDGET_MS: '5000',
    PLATFORMS_TRUSTED_DOCUMENTS_PATH: manifestPath,
  });
  const service = await startPlatformsService(config, { log: silentLogger });
  services.push(service);
  return createPlatformClient({ baseUrl: service.url, secrets: config.secrets });
}

beforeAll(async () => {
  stack = await startStack({
    contacts: 50,
    gateway: { admission: { trustedDocuments: { mode: 'enforce', manifest: loadManifest(MANIFEST) } } },
  });
}, 180_000);

afterAll(async () => {
  for (const service of services) await service.close();
  await stack?.close();
});

describe('platforms service against a gateway that enforces trusted documents', () => {
  it('call start resolves the contact and decides: its operations go by their registered ids', async () => {
    const client = await platformsWith(MANIFEST);
    const start = await client.send(
      'telnyx',
      'dynamic-variables',
      payloads.telnyx.initialization(simCall('telnyx', CALLER)),
    );
    expect(start.status).toBe(200);
    const variables = (start.body as { dynamic_variables: Record<string, string> }).dynamic_variables;
    expect(variables.dialplane_contact_status).toBe('known');
    expect(variables.dialplane_decision_id).toMatch(/\S/);
  });

  it('a gateway that does not know the ids (no manifest loaded) gets the texts on a second try, as in the persisted-query protocol', async () => {
    const bare = await startStack({ contacts: 50, gateway: { admission: {} } });
    try {
      const config = platformsConfigFor(bare, {
        PLATFORMS_CALL_START_BUDGET_MS: '5000',
        PLATFORMS_TRUSTED_DOCUMENTS_PATH: MANIFEST,
      });
      const service = await startPlatformsService(config, { log: silentLogger });
      services.push(service);
      const client = createPlatformClient({ baseUrl: service.url, secrets: config.secrets });
      const start = await client.send(
        'telnyx',
        'dynamic-variables',
        payloads.telnyx.initialization(simCall('telnyx', CALLER)),
      );
      expect(
        (start.body as { dynamic_variables: Record<string, string> }).dynamic_variables.dialplane_contact_status,
      ).toBe('known');
    } finally {
      await bare.close();
    }
  }, 180_000);

  it('the same service without the manifest sends texts, which the gateway refuses: context unavailable, call denied', async () => {
    const client = await platformsWith(path.resolve('does-not-exist.json'));
    const start = await client.send(
      'telnyx',
      'dynamic-variables',
      payloads.telnyx.initialization(simCall('telnyx', CALLER)),
    );
    const variables = (start.body as { dynamic_variables: Record<string, string> }).dynamic_variables;
    expect(variables.dialplane_contact_status).toBe('unavailable');
    expect(variables.dialplane_call_allowed).toBe('false');
  });
});
