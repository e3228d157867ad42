import http from 'node:http';
import https from 'node:https';
import jsforce from 'jsforce';
import { Client as HubspotClient } from '@hubspot/api-client';
import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../../../shared/errors.js';
import type { CrmConnections, CrmName } from '../config.js';
import {
  HUBSPOT_CALL_KEY_PROPERTY,
  HUBSPOT_CALL_TO_CONTACT,
  SALESFORCE_TASK_EXTERNAL_ID,
  hubspotCallOf,
  hubspotContactUpdateOf,
  salesforceContactUpdateOf,
  salesforceFollowUpOf,
  salesforceTaskOf,
} from './mapping.js';
import type { StoredOutcome } from '../intake/outcome.js';

/**
 * The CRM writers: one outcome -> the CRM's writes, through the official clients (jsforce,
 * @hubspot/api-client) with their own retries switched off: retries belong to the job queue,
 * which backs off durably and survives a crash. Every failure leaves here as a WriteBackError
 * with a registered code, whether it can succeed later, and how long the CRM asked us to wait.
 */

export class WriteBackError extends DialplaneError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly retryable: boolean,
    context: { crm: CrmName; crmCode?: string; status?: number; step?: string },
    /** The CRM asked us to slow down for this long (rate limits). */
    readonly retryAfterMs?: number,
  ) {
    super(code, message, context);
    this.name = 'WriteBackError';
  }
  get crmCode(): string | undefined {
    return this.context.crmCode as string | undefined;
  }
}

export interface WriteResult {
  /** The CRM record that now holds the call (Task id, call engagement id). */
  crmRecordId: string;
  /** Requests made, for throughput accounting. */
  requests: number;
}

export interface CrmWriter {
  readonly crm: CrmName;
  /** Writes one outcome; `beforeRequest` runs before every HTTP request (the shared rate limit). */
  write(outcome: StoredOutcome, beforeRequest: () => Promise<void>): Promise<WriteResult>;
  close(): void;
}

export const WRITER_POLICY = {
  /** A CRM request that takes longer is abandoned and the job retried (idempotent writes make that safe). */
  requestTimeoutMs: 10_000,
  /**
   * Fleet-wide pauses after a rate-limit answer that says nothing about when to come back. A
   * probe after the pause costs one request; waiting a whole HubSpot window (10 s) or guessing at
   * Salesforce's rolling 24 h budget would cost far more throughput than it saves.
   */
  pauseMs: {
    hubspotSecondly: 1_000,
    hubspotTenSecondly: 2_000,
    hubspotDaily: 60 * 60_000,
    salesforceConcurrent: 1_000,
    salesforceTotal: 1_000,
  },
} as const;

function withTimeout<T>(crm: CrmName, step: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new WriteBackError(ErrorCode.CRM_UNAVAILABLE, `${crm} ${step} timed out after ${ms} ms`, true, {
            crm,
            step,
            crmCode: ErrorCode.TIMEOUT,
          }),
        ),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --- Salesforce -------------------------------------------------------------------------------

/** Salesforce error codes that no retry can fix: the record is gone or the write is invalid. */
const SALESFORCE_PERMANENT = new Set([
  'NOT_FOUND',
  'ENTITY_IS_DELETED',
  'INVALID_CROSS_REFERENCE_KEY',
  'INVALID_ID_FIELD',
  'MALFORMED_ID',
  'INVALID_FIELD',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'REQUIRED_FIELD_MISSING',
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'INVALID_TYPE',
  'STRING_TOO_LONG',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'DUPLICATE_VALUE',
  'MULTIPLE_CHOICES',
  'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY',
]);

export function classifySalesforceError(error: unknown, step: string): WriteBackError {
  if (error instanceof WriteBackError) return error;
  const e = error as { errorCode?: string; name?: string; message?: string; code?: string };
  const crmCode = e.errorCode ?? e.code ?? e.name ?? 'UNKNOWN';
  const message = `salesforce ${step}: ${crmCode}`;
  if (crmCode === 'REQUEST_LIMIT_EXCEEDED') {
    // "ConcurrentRequests" clears in a second; "TotalRequests" is a rolling budget: probe every few seconds.
    const concurrent = /concurrent/i.test(e.message ?? '');
    return new WriteBackError(
      ErrorCode.CRM_RATE_LIMITED,
      message,
      true,
      { crm: 'salesforce', crmCode, step },
      concurrent ? WRITER_POLICY.pauseMs.salesforceConcurrent : WRITER_POLICY.pauseMs.salesforceTotal,
    );
  }
  if (SALESFORCE_PERMANENT.has(crmCode))
    return new WriteBackError(ErrorCode.CRM_REJECTED, message, false, { crm: 'salesforce', crmCode, step });
  const http = /^ERROR_HTTP_(\d{3})$/.exec(crmCode);
  if (http) {
    const status = Number(http[1]);
    if (status === 429)
      return new WriteBackError(
        ErrorCode.CRM_RATE_LIMITED,
        message,
        true,
        { crm: 'salesforce', crmCode, status, step },
        2_000,
      );
    const permanent = status >= 400 && status < 500 && ![401, 408, 409, 423].includes(status);
    return new WriteBackError(permanent ? ErrorCode.CRM_REJECTED : ErrorCode.CRM_UNAVAILABLE, message, !permanent, {
      crm: 'salesforce',
      crmCode,
      status,
      step,
    });
  }
  // Network failures, 5xx bodies, session problems: try again later.
  return new WriteBackError(ErrorCode.CRM_UNAVAILABLE, message, true, { crm: 'salesforce', crmCode, step });
}

const salesforceSaveResult = z.object({
  id: z.string().optional().nullable(),
  success: z.boolean(),
  errors: z
    .array(
      z.union([
        z.string(),
        z.object({
          statusCode: z.string().optional(),
          errorCode: z.string().optional(),
          message: z.string().optional(),
        }),
      ]),
    )
    .optional(),
});

export class SalesforceWriter implements CrmWriter {
  readonly crm = 'salesforce' as const;
  private conn: jsforce.Connection | null = null;
  private authorizing: Promise<jsforce.Connection> | null = null;

  constructor(private readonly options: CrmConnections['salesforce']) {}

  async write(outcome: StoredOutcome, beforeRequest: () => Promise<void>): Promise<WriteResult> {
    let requests = 0;
    const call = async <T>(step: string, fn: (conn: jsforce.Connection) => Promise<T>): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        const conn = await this.connection(beforeRequest);
        await beforeRequest();
        requests++;
        try {
          return await withTimeout('salesforce', step, fn(conn), WRITER_POLICY.requestTimeoutMs);
        } catch (error) {
          const code = (error as { errorCode?: string }).errorCode;
          // jsforce refreshes an expired token itself (refreshFn below); if that failed, start over
          // with a new connection once, then replay the (idempotent) request.
          if (
            (code === 'INVALID_SESSION_ID' || /unable to refresh session/i.test((error as Error).message ?? '')) &&
            attempt === 0
          ) {
            this.conn = null;
            continue;
          }
          throw classifySalesforceError(error, step);
        }
      }
    };
    const upsert = async (step: string, task: { key: string; fields: Record<string, unknown> }) => {
      const raw = await call(step, (conn) =>
        conn
          .sobject('Task')
          .upsert({ ...task.fields, [SALESFORCE_TASK_EXTERNAL_ID]: task.key } as never, SALESFORCE_TASK_EXTERNAL_ID),
      );
      const result = salesforceSaveResult.safeParse(raw ?? { success: true });
      if (!result.success)
        throw new WriteBackError(ErrorCode.CRM_UNAVAILABLE, `salesforce ${step}: unexpected response`, true, {
          crm: 'salesforce',
          step,
        });
      if (!result.data.success) {
        const first = result.data.errors?.[0];
        const crmCode = typeof first === 'string' ? first : (first?.statusCode ?? first?.errorCode ?? 'UNKNOWN');
        throw classifySalesforceError({ errorCode: crmCode }, step);
      }
      return result.data.id ?? null;
    };

    // Contact first: a deleted or merged contact fails here, before a Task is left pointing at it.
    const contactUpdate = salesforceContactUpdateOf(outcome);
    if (contactUpdate) {
      const raw = await call('contact.update', (conn) =>
        conn.sobject('Contact').update({ Id: outcome.crmContactId, ...contactUpdate }),
      );
      const result = salesforceSaveResult.safeParse(raw);
      if (result.success && !result.data.success) {
        const first = result.data.errors?.[0];
        throw classifySalesforceError(
          { errorCode: typeof first === 'string' ? first : (first?.statusCode ?? first?.errorCode) },
          'contact.update',
        );
      }
    }
    const task = salesforceTaskOf(outcome);
    const taskId = await upsert('task.upsert', task);
    const followUp = salesforceFollowUpOf(outcome);
    if (followUp) await upsert('followup.upsert', followUp);
    return { crmRecordId: taskId ?? task.key, requests };
  }

  private async connection(beforeRequest: () => Promise<void>): Promise<jsforce.Connection> {
    if (this.conn) return this.conn;
    this.authorizing ??= (async () => {
      const conn = new jsforce.Connection({
        oauth2: {
          loginUrl: this.options.loginUrl,
          clientId: this.options.clientId,
          clientSecret: this.options.clientSecret,
        },
        instanceUrl: this.options.instanceUrl,
        version: this.options.apiVersion,
        // client_credentials issues no refresh token: on a 401 jsforce calls this, which asks
        // for a new access token the same way, and replays the request.
        refreshFn: (c, callback) => {
          c.oauth2.requestToken({ grant_type: 'client_credentials' }).then(
            (res) => callback(null, res.access_token, res),
            (err: Error) => callback(err),
          );
        },
      });
      await beforeRequest();
      try {
        await withTimeout(
          'salesforce',
          'oauth.token',
          conn.authorize({ grant_type: 'client_credentials' }),
          WRITER_POLICY.requestTimeoutMs,
        );
      } catch (error) {
        throw classifySalesforceError(error, 'oauth.token');
      }
      this.conn = conn;
      return conn;
    })().finally(() => {
      this.authorizing = null;
    });
    return this.authorizing;
  }

  close(): void {
    this.conn = null;
  }
}

// --- HubSpot ----------------------------------------------------------------------------------

const hubspotObject = z.object({
  id: z.coerce.string(),
  properties: z.record(z.string(), z.string().nullable()).optional(),
});
const hubspotSearch = z.object({ results: z.array(hubspotObject) });

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const value = (headers as Record<string, unknown>)[name] ?? (headers as Record<string, unknown>)[name.toLowerCase()];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

function bodyOf(raw: unknown): Record<string, unknown> {
  if (typeof raw === 'string') {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
}

export function classifyHubspotError(error: unknown, step: string): WriteBackError {
  if (error instanceof WriteBackError) return error;
  const e = error as { code?: number | string; body?: unknown; headers?: unknown; message?: string };
  const status = typeof e.code === 'number' ? e.code : undefined;
  if (status === undefined) {
    return new WriteBackError(
      ErrorCode.CRM_UNAVAILABLE,
      `hubspot ${step}: ${String(e.code ?? 'network error')}`,
      true,
      { crm: 'hubspot', crmCode: String(e.code ?? 'NETWORK'), step },
    );
  }
  const body = bodyOf(e.body);
  const crmCode = String(body.policyName ?? body.category ?? `HTTP_${status}`);
  const message = `hubspot ${step}: ${status} ${crmCode}`;
  if (status === 429) {
    const retryAfter = Number(headerOf(e.headers, 'retry-after'));
    const waitMs =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter * 1000
        : body.policyName === 'DAILY'
          ? WRITER_POLICY.pauseMs.hubspotDaily
          : body.policyName === 'SECONDLY'
            ? WRITER_POLICY.pauseMs.hubspotSecondly
            : WRITER_POLICY.pauseMs.hubspotTenSecondly;
    return new WriteBackError(
      ErrorCode.CRM_RATE_LIMITED,
      message,
      true,
      { crm: 'hubspot', crmCode, status, step },
      waitMs,
    );
  }
  if (status >= 500 || status === 408 || status === 401) {
    return new WriteBackError(ErrorCode.CRM_UNAVAILABLE, message, true, { crm: 'hubspot', crmCode, status, step });
  }
  return new WriteBackError(ErrorCode.CRM_REJECTED, message, false, { crm: 'hubspot', crmCode, status, step });
}

export class HubspotWriter implements CrmWriter {
  readonly crm = 'hubspot' as const;
  private readonly agent: http.Agent;
  private readonly apis: {
    callsSearch: HubspotClient['crm']['objects']['calls']['searchApi'];
    callsBasic: HubspotClient['crm']['objects']['calls']['basicApi'];
    contactsBasic: HubspotClient['crm']['contacts']['basicApi'];
  };

  constructor(options: CrmConnections['hubspot']) {
    const url = new URL(options.baseUrl);
    this.agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    const client = new HubspotClient({
      accessToken: options.accessToken,
      basePath: options.baseUrl.replace(/\/+$/, ''),
      // No client-side retries: a 429 would sleep 10 s inside the job; the queue retries instead.
      numberOfApiCallRetries: 0,
      httpAgent: this.agent,
    });
    // The client binds its decorators lazily from a process-wide singleton; touch the APIs now so
    // another Client created later in this process (the hubspot subgraph's) cannot replace ours.
    this.apis = {
      callsSearch: client.crm.objects.calls.searchApi,
      callsBasic: client.crm.objects.calls.basicApi,
      contactsBasic: client.crm.contacts.basicApi,
    };
  }

  async write(outcome: StoredOutcome, beforeRequest: () => Promise<void>): Promise<WriteResult> {
    let requests = 0;
    const call = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
      await beforeRequest();
      requests++;
      try {
        return await withTimeout('hubspot', step, fn(), WRITER_POLICY.requestTimeoutMs);
      } catch (error) {
        throw classifyHubspotError(error, step);
      }
    };
    const call_ = hubspotCallOf(outcome);
    const findExisting = async (): Promise<string | null> => {
      const raw = await call('calls.search', () =>
        this.apis.callsSearch.doSearch({
          filterGroups: [
            { filters: [{ propertyName: HUBSPOT_CALL_KEY_PROPERTY, operator: 'EQ' as never, value: call_.key }] },
          ],
          properties: [HUBSPOT_CALL_KEY_PROPERTY],
          limit: 1,
          sorts: [],
          after: undefined as never,
        }),
      );
      const parsed = hubspotSearch.safeParse(raw);
      if (!parsed.success)
        throw new WriteBackError(ErrorCode.CRM_UNAVAILABLE, 'hubspot calls.search: unexpected response', true, {
          crm: 'hubspot',
          step: 'calls.search',
        });
      return parsed.data.results[0]?.id ?? null;
    };

    // Search before create: a retry after a crash (or a lost response) finds the call it made.
    let callId = await findExisting();
    if (!callId) {
      try {
        const created = await call('calls.create', () =>
          this.apis.callsBasic.create({
            properties: call_.properties,
            associations: [
              {
                to: { id: call_.contactId },
                types: [
                  { associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: HUBSPOT_CALL_TO_CONTACT },
                ],
              },
            ],
          }),
        );
        callId = hubspotObject.parse(created).id;
      } catch (error) {
        // dialplane_key is a unique property: a concurrent create of the same key lost the race
        // to one that succeeded, so the call exists and is ours.
        if (error instanceof WriteBackError && error.context.status === 409) callId = await findExisting();
        if (!callId) throw error;
      }
    }
    const contactUpdate = hubspotContactUpdateOf(outcome);
    if (contactUpdate) {
      await call('contacts.update', () =>
        this.apis.contactsBasic.update(outcome.crmContactId, { properties: contactUpdate }),
      );
    }
    return { crmRecordId: callId, requests };
  }

  close(): void {
    this.agent.destroy();
  }
}

export function createCrmWriters(crm: CrmConnections): Record<CrmName, CrmWriter> {
  return { salesforce: new SalesforceWriter(crm.salesforce), hubspot: new HubspotWriter(crm.hubspot) };
}
