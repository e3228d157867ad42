import jsforce from 'jsforce';
import { z } from 'zod';
import { ErrorCode } from '../../shared/errors.js';
import {
  WRITER_POLICY,
  WriteBackError,
  withWriteTimeout,
  type CrmWriter,
  type OutcomeToWrite,
  type WriteResult,
} from '../../shared/crm/writer.js';
import type { SalesforceAccount } from './connection.js';
import {
  SALESFORCE_TASK_EXTERNAL_ID,
  salesforceContactUpdateOf,
  salesforceFollowUpOf,
  salesforceTaskOf,
} from './write-mapping.js';

/**
 * Salesforce's CRM writer (shared/crm/writer.ts): one outcome -> a Contact update (opt-out), the
 * call Task and a follow-up Task, upserted by external id through jsforce with its own retries off.
 */

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

  constructor(private readonly account: SalesforceAccount) {}

  async write(outcome: OutcomeToWrite, beforeRequest: () => Promise<void>): Promise<WriteResult> {
    let requests = 0;
    const call = async <T>(step: string, fn: (conn: jsforce.Connection) => Promise<T>): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        const conn = await this.connection(beforeRequest);
        await beforeRequest();
        requests++;
        try {
          return await withWriteTimeout('salesforce', step, fn(conn), WRITER_POLICY.requestTimeoutMs);
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
          loginUrl: this.account.loginUrl,
          clientId: this.account.clientId,
          clientSecret: this.account.clientSecret,
        },
        instanceUrl: this.account.instanceUrl,
        version: this.account.apiVersion,
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
        await withWriteTimeout(
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
