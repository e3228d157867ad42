/** The JSON log lines in a process's output (banner and other text skipped). */
export function jsonLogLines(output: string): { raw: string; parsed: Record<string, unknown> }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((raw) => ({ raw, parsed: JSON.parse(raw) as Record<string, unknown> }));
}

/** How often the `"service":` key appears in one raw line (JSON.parse would silently keep the last). */
export const serviceKeyCount = (raw: string): number => raw.match(/"service":/g)?.length ?? 0;
