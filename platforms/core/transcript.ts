/**
 * Only what the customer said is scanned for an opt-out: the agent itself offers one ("you can
 * opt out at any time", the OPT_OUT_OFFER obligation), and that must not revoke anything. Platforms
 * give role-labelled turns or a "Role: text" transcript; an unlabelled transcript is kept whole.
 */
const CUSTOMER_LABEL = /^\s*(user|customer|caller|human)\s*:\s*/i;
const ANY_LABEL = /^\s*[A-Za-z][A-Za-z ]{0,20}:\s/;

export function customerSpeech(transcript: string | null | undefined): string | null {
  if (!transcript) return null;
  const lines = transcript.split(/\r?\n/);
  if (!lines.some((l) => ANY_LABEL.test(l))) return transcript;
  const said = lines.filter((l) => CUSTOMER_LABEL.test(l)).map((l) => l.replace(CUSTOMER_LABEL, ''));
  return said.length ? said.join('\n') : null;
}

/** Customer turns of a role-labelled transcript (`[{ role, content }]`). */
export function customerTurns(turns: { role: string; text: string }[]): string | null {
  const said = turns.filter((t) => /^(user|customer|caller|human)$/i.test(t.role)).map((t) => t.text);
  return said.length ? said.join('\n') : null;
}
