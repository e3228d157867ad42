import { z } from 'zod';
import { datasetEpochMs } from './dates.js';
import { hashString } from './prng.js';

/** Options every generator takes; validated here because they arrive from config and admin calls. */
export const DatasetOptionsSchema = z.object({
  /** Same seed, same data. Numbers and strings are both fine (1 and "1" are the same seed). */
  seed: z.union([z.number().int(), z.string().min(1)]).default(1),
  /** Contacts in this CRM. */
  contacts: z.number().int().min(0).max(5_000_000).default(10_000),
});

export type DatasetOptions = z.input<typeof DatasetOptionsSchema>;

/** What every record generator of one dataset shares. */
export interface GeneratorContext {
  readonly seed: number | string;
  readonly seedHash: number;
  readonly epochMs: number;
  readonly contacts: number;
}

export function generatorContext(options: DatasetOptions = {}): GeneratorContext {
  const { seed, contacts } = DatasetOptionsSchema.parse(options);
  return { seed, seedHash: hashString(`seed:${seed}`), epochMs: datasetEpochMs(seed), contacts };
}
