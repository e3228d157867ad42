/**
 * Phrases callers use to withdraw consent, shared by every place that reads what a caller said:
 * the engagement subgraph (transcripts attached to an outcome) and the voice-platform adapters
 * (live transcript updates). Deliberately broad: a false positive costs one suppressed number, a
 * false negative a TCPA violation.
 */
const OPT_OUT_PATTERNS: readonly RegExp[] = [
  /\b(stop|quit) (calling|contacting)\b/i,
  /\b(do not|don't|dont|never) (call|contact|ring)\b/i,
  /\bremove (me|my (number|name))\b/i,
  /\btake me off\b/i,
  /\b(unsubscribe|opt(-| )?out)\b/i,
  /\bput me on (your|the) do[- ]not[- ]call\b/i,
];

/** True when the text contains an opt-out request. */
export function mentionsOptOut(text: string | null | undefined): boolean {
  return !!text && OPT_OUT_PATTERNS.some((p) => p.test(text));
}
