import type { GraphQLError } from 'graphql';
import { z } from 'zod';
import { badUserInput, dialplaneError, ErrorCode } from '../errors.js';
import { normalizePhone } from '../phone.js';
import { CrmCallError, parseGlobalId, type CanonicalContact, type FieldDrift } from './connector.js';
import type { ContactAnswer } from './contact-service.js';

/**
 * What the CRM contract resolvers answer, decided without I/O (contract-resolvers.ts loads,
 * searches, logs and counts): which ids are this CRM's, what a ContactService answer becomes,
 * the errors for drift and failed phone searches, and which phone-index entries are stale.
 * test/crm/contract-answers.test.ts pins them.
 */

/** What a Contact resolver receives: the canonical contact plus how it was obtained. */
export interface ContactParent {
  contact: CanonicalContact;
  drift: ReadonlyMap<string, FieldDrift>;
  fetchedAt: number;
  stale: boolean;
}

const PhoneArg = z.string().max(64);
const IdArg = z.string().min(1).max(200);

/** A global id's source id when it names a contact of `source`; else null. */
export function ownSourceId(id: string, source: string, isValidSourceId: (id: string) => boolean): string | null {
  const parsed = parseGlobalId(id, [source]);
  return parsed && parsed.source === source && isValidSourceId(parsed.sourceId) ? parsed.sourceId : null;
}

/** An id argument's source id, or BAD_USER_INPUT at `argName` (thrown). */
export function sourceIdArgument(
  id: string,
  argName: string,
  source: string,
  isValidSourceId: (id: string) => boolean,
): string {
  const sourceId = IdArg.safeParse(id).success ? ownSourceId(id, source, isValidSourceId) : null;
  if (sourceId === null)
    throw badUserInput(argName, `not a ${source} contact id (expected "${source}:<id>" as returned by a lookup)`);
  return sourceId;
}

/** A phone argument in E.164, or BAD_USER_INPUT (thrown). */
export function phoneArgument(phone: string): string {
  const raw = PhoneArg.safeParse(phone);
  const normalized = raw.success ? normalizePhone(raw.data) : null;
  if (!normalized || !normalized.valid) {
    throw badUserInput(
      'phone',
      'not a usable phone number; give a full number, e.g. "+1 415 555 0100" or "(415) 555-0100" (national numbers are read as US)',
    );
  }
  return normalized.e164;
}

/** A ContactService answer as the resolvers serve it: the parent, null (not found) or its error. */
export function contactParentOf(answer: ContactAnswer, source: string): ContactParent | null | GraphQLError {
  if (answer.kind === 'notFound') return null;
  if (answer.kind === 'overloaded') {
    return dialplaneError(
      ErrorCode.RATE_LIMITED,
      `too many ${source} contact loads are waiting for this caller; retry shortly`,
      { crm: source, limit: 'crm-queue' },
    );
  }
  if (answer.kind === 'unavailable') {
    return dialplaneError(
      ErrorCode.CRM_UNAVAILABLE,
      `${source} is unavailable and the contact is not cached (${answer.reason})`,
      { crm: source },
    );
  }
  return {
    contact: answer.contact,
    drift: new Map(answer.drift.map((d) => [d.field, d])),
    fetchedAt: answer.fetchedAt,
    stale: answer.stale,
  };
}

/** The answer of a field whose CRM source drifted (its siblings still resolve). */
export function driftError(d: FieldDrift, source: string, mappingVersion: string): GraphQLError {
  return dialplaneError(
    ErrorCode.CRM_SCHEMA_DRIFT,
    `${source} field ${d.crmField} is ${d.reason === 'missing' ? 'missing' : 'not of the expected type'}; ${d.field} cannot be served (mapping ${mappingVersion})`,
    { crm: source, field: d.crmField, canonicalField: d.field, reason: d.reason, mappingVersion },
  );
}

/** A phone search the CRM did not answer: its rate limit (retry shortly) or an outage. */
export function phoneSearchError(error: unknown, source: string): GraphQLError {
  if (error instanceof CrmCallError && error.kind === 'rate_limited') {
    return dialplaneError(
      ErrorCode.CRM_RATE_LIMITED,
      `${source} refused the phone search for its rate limit; retry shortly`,
      { crm: source },
    );
  }
  return dialplaneError(ErrorCode.CRM_UNAVAILABLE, `${source} is unavailable: phone search failed`, { crm: source });
}

/**
 * Whether a contact found through the phone index still answers `e164`: not when it is gone, nor
 * when its fresh phones no longer hold the number (renumbered); a stale copy is given the benefit.
 */
export function stillAnswersPhone(parent: ContactParent | null, e164: string): parent is ContactParent {
  if (!parent) return false;
  const phones = parent.contact.phones;
  return !(phones && !parent.stale && !phones.some((p) => p.e164 === e164));
}
