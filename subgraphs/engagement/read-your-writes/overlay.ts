import { z } from 'zod';
import { DISPOSITION_LABEL } from '../../../shared/crm/writer.js';
import type { IntentStage } from '../../../shared/crm/connector.js';
import type { StoredOutcome } from '../intake/outcome.js';
import { PENDING_STATUSES, type WriteBackState } from '../store.js';

/**
 * Read-your-writes: the canonical intent stage and last interaction are the CRM's values unless a
 * dialplane outcome says more. An outcome wins while its write-back is pending, and for a grace
 * period after it is written (the CRM subgraphs may still serve a cached contact from before the
 * write), and whenever it is newer than the CRM's own last activity.
 */

/** The CRM values the gateway hands us through @requires (zod: they come from another service). */
export const crmActivity = z
  .object({
    at: z.string().nullish(),
    summary: z.string().nullish(),
    disposition: z.string().nullish(),
    type: z.string().nullish(),
  })
  .nullish();
export const contactRepresentation = z.object({
  id: z.string(),
  crmIntentStage: z.string().nullish(),
  crmLastActivity: crmActivity,
});
export type ContactRepresentation = z.infer<typeof contactRepresentation>;

export interface Latest {
  outcome: StoredOutcome;
  writeBack: WriteBackState;
}

export function outcomeWins(
  latest: Latest,
  crmActivityAt: string | null | undefined,
  graceMs: number,
  now = Date.now(),
): boolean {
  if (PENDING_STATUSES.includes(latest.writeBack.status)) return true;
  if (
    latest.writeBack.status === 'WRITTEN' &&
    latest.writeBack.writtenAt &&
    now - Date.parse(latest.writeBack.writtenAt) < graceMs
  )
    return true;
  const crmAt = crmActivityAt ? Date.parse(crmActivityAt) : NaN;
  // Salesforce activity dates are day-precision: a same-day CRM activity does not beat a timed outcome.
  return Number.isNaN(crmAt) || Date.parse(latest.outcome.occurredAt) > crmAt;
}

export function intentStageOf(
  rep: ContactRepresentation,
  latest: Latest | undefined,
  graceMs: number,
): IntentStage | null {
  const crm = (rep.crmIntentStage ?? null) as IntentStage | null;
  if (!latest?.outcome.intentStage) return crm;
  return outcomeWins(latest, rep.crmLastActivity?.at, graceMs) ? latest.outcome.intentStage : crm;
}

export function lastInteractionOf(rep: ContactRepresentation, latest: Latest | undefined, graceMs: number) {
  const crm = rep.crmLastActivity ?? null;
  if (latest && outcomeWins(latest, crm?.at, graceMs)) {
    const o = latest.outcome;
    return {
      at: o.occurredAt,
      summary: o.summary,
      disposition: DISPOSITION_LABEL[o.disposition],
      callDisposition: o.disposition,
      type: 'CALL',
      origin: 'OUTCOME',
      writeBackStatus: latest.writeBack.status,
      outcomeId: o.id,
      nextAction: o.nextAction,
      nextActionAt: o.nextActionAt,
    };
  }
  if (!crm) return null;
  return {
    at: crm.at ?? null,
    summary: crm.summary ?? null,
    disposition: crm.disposition ?? null,
    callDisposition: null,
    type: crm.type ?? null,
    origin: 'CRM',
    writeBackStatus: null,
    outcomeId: null,
    nextAction: null,
    nextActionAt: null,
  };
}
