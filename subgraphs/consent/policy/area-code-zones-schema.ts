import { z } from 'zod';

/** Schema of the split-zone area-code table (rule C3), parsed at start-up so a typo stops it. */
export const AreaCodeZoneTableSchema = z.object({
  version: z.string().min(1),
  /** When the rows were last checked against the sources. */
  retrieved: z.iso.date(),
  sources: z.array(z.string().min(1)).min(1),
  areaCodes: z.record(
    z.string().regex(/^[2-9]\d{2}$/),
    z.object({
      state: z.string().regex(/^[A-Z]{2}$/),
      /** Every zone numbers of the area code may be in (two or more). */
      zones: z.array(z.string().min(1)).min(2),
      /** Exchanges (NXX) a source places in fewer zones with certainty; any other gets `zones`. */
      exchanges: z.record(z.string().regex(/^[2-9]\d{2}$/), z.array(z.string().min(1)).min(1)).optional(),
      note: z.string().optional(),
    }),
  ),
});
export type AreaCodeZoneTable = z.infer<typeof AreaCodeZoneTableSchema>;
