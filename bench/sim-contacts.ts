/**
 * Record ids of the CRM simulators' generated contacts, read the way a client would (the
 * simulators' development credentials), for benches that drive real ids.
 */

/** The first `n` Salesforce contact ids (18-character ids, as the CRM names them). */
export async function salesforceContactIds(sfUrl: string, n: number): Promise<string[]> {
  const auth = await fetch(`${sfUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'dialplane-dev',
      client_secret: 'dev-salesforce-secret',
    }),
  });
  const { access_token } = (await auth.json()) as { access_token: string };
  const res = await fetch(
    `${sfUrl}/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id FROM Contact LIMIT ${n}`)}`,
    { headers: { authorization: `Bearer ${access_token}` } },
  );
  return ((await res.json()) as { records: { Id: string }[] }).records.map((r) => r.Id);
}
