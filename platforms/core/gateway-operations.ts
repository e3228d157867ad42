import { readFileSync } from 'node:fs';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';

/**
 * The GraphQL operations the platforms service sends to the gateway (operations.graphql, next to
 * this file, registered in the trusted-documents manifest by `npm run codegen`), and zod shapes of
 * their answers (the gateway is another service: its answers are input like any other).
 */

const OPERATIONS = parse(readFileSync(new URL('./operations.graphql', import.meta.url), 'utf8'));

/** One operation of operations.graphql, printed on its own (what is sent when no id is known). */
function operation(name: string): string {
  const definition = OPERATIONS.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name,
  );
  if (!definition)
    throw new DialplaneError(
      ErrorCode.INTERNAL_SERVER_ERROR,
      `platforms/core/operations.graphql has no operation ${name}`,
    );
  return print(definition);
}

export const PERMISSION_QUERY = operation('PlatformsCallPermission');
export const CONTACT_QUERY = operation('PlatformsCallContext');
export const REVOKE_MUTATION = operation('PlatformsOptOut');
export const RECORD_OUTCOME_MUTATION = operation('PlatformsRecordOutcome');

export const permissionShape = z.object({
  allowed: z.boolean(),
  reasons: z.array(z.string()),
  decisionId: z.string().min(1),
  nextAllowedAt: z.string().nullable().optional(),
  obligations: z.array(z.object({ code: z.string(), detail: z.string() })).default([]),
});
export type PermissionShape = z.infer<typeof permissionShape>;

export const contactShape = z.object({
  id: z.string(),
  source: z.string(),
  name: z.object({ full: z.string().nullable().optional() }).nullable().optional(),
  intentStage: z.string().nullable().optional(),
  freshness: z.object({ stale: z.boolean() }).nullable().optional(),
  lastInteraction: z
    .object({
      at: z.string().nullable().optional(),
      summary: z.string().nullable().optional(),
      disposition: z.string().nullable().optional(),
      callDisposition: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
  callPermission: permissionShape.nullable().optional(),
});
export type ContactShape = z.infer<typeof contactShape>;

export const permissionAnswer = z.object({ callPermission: permissionShape });
export const contactAnswer = z.object({ contactsByPhone: z.array(contactShape.nullable()) });
export const revokeAnswer = z.object({ revokeConsent: z.object({ eventId: z.string(), created: z.boolean() }) });
export const receiptAnswer = z.object({
  recordCallOutcome: z.object({ id: z.string(), status: z.string(), duplicate: z.boolean() }),
});
