import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';

/**
 * Where an interrupted audit resumes: per CRM the CRM-side position after the last page read,
 * whether the CRM is finished, and how many contacts were spooled. Pages read from a CRM are
 * spooled to disk (`spool-<crm>.ndjson` in the output folder) before the checkpoint moves, so a
 * resumed audit replays the spool through the analysis (no CRM calls) and asks the CRM only for
 * what it never read. Written atomically (temp file + rename) after every page.
 */

export const AuditCheckpoint = z.object({
  version: z.literal(1),
  startedAt: z.string(),
  crms: z.record(
    z.string(),
    z.object({ checkpoint: z.string().nullable(), done: z.boolean(), contacts: z.number().int().nonnegative() }),
  ),
});
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

export async function readCheckpoint(path: string): Promise<AuditCheckpoint | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  const parsed = AuditCheckpoint.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new DialplaneError(
      ErrorCode.BAD_USER_INPUT,
      `checkpoint ${path} is not an audit checkpoint: ${z.prettifyError(parsed.error)}`,
    );
  return parsed.data;
}

export async function writeCheckpoint(path: string, checkpoint: AuditCheckpoint): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(checkpoint, null, 2));
  await rename(`${path}.tmp`, path);
}
