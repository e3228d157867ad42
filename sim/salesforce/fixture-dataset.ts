import type { SalesforceSeed } from './store.js';
import { createdRecordId } from './record-ids.js';
import { OPPORTUNITY_STAGES } from './schema.js';

/**
 * A small deterministic dataset (same seed, same records) used until/unless the shared data
 * generator (sim/data) is wired in: messy phone formats, DoNotCall flags, opt-outs, deals in every
 * stage and prior call tasks. Ids use the seeded-id shape (reserved char `0`).
 */
export function fixtureSalesforceDataset(seed: number | string = 1, contacts = 200): SalesforceSeed {
  const rnd = mulberry32(typeof seed === 'number' ? seed : hash(seed));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const first = ['Ana', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jamal', 'Kate', 'Luis', 'Mia', 'Noah', 'Olga', 'Priya'];
  const last = ['Smith', 'Garcia', 'Nguyen', 'Okafor', 'Rossi', 'Kim', 'Patel', 'Müller', 'Brown', 'Lopez', 'Cohen', 'Silva'];
  const places = [
    { area: '415', state: 'CA', city: 'San Francisco', zip: '94103', country: 'US' },
    { area: '212', state: 'NY', city: 'New York', zip: '10001', country: 'US' },
    { area: '602', state: 'AZ', city: 'Phoenix', zip: '85004', country: 'US' },
    { area: '808', state: 'HI', city: 'Honolulu', zip: '96813', country: 'US' },
    { area: '312', state: 'IL', city: 'Chicago', zip: '60601', country: 'US' },
    { area: '416', state: 'ON', city: 'Toronto', zip: 'M5H 2N2', country: 'CA' },
  ];
  const epoch = Date.UTC(2024, 4, 1, 12);
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
  const format = (area: string, n: number): string => {
    const line = String(n).padStart(7, '0');
    const ex = line.slice(0, 3);
    const sub = line.slice(3);
    switch (Math.floor(rnd() * 5)) {
      case 0:
        return `(${area}) ${ex}-${sub}`;
      case 1:
        return `+1 ${area}.${ex}.${sub}`;
      case 2:
        return `${area}${ex}${sub} x${10 + Math.floor(rnd() * 80)}`;
      case 3:
        return `+1${area}${ex}${sub}`;
      default:
        return `${area}-${ex}-${sub}`;
    }
  };
  const out: SalesforceSeed = { Contact: [], Opportunity: [], Task: [] };
  let opp = 0;
  let task = 0;
  for (let i = 0; i < contacts; i++) {
    const place = pick(places);
    const created = epoch - Math.floor(rnd() * 400) * 86_400_000;
    const modified = created + Math.floor(rnd() * 30) * 86_400_000;
    const id = createdRecordId('003', i + 1, 'Dp', '0');
    const fn = pick(first);
    const ln = pick(last);
    out.Contact.push({
      Id: id,
      FirstName: fn,
      LastName: ln,
      Email: rnd() < 0.9 ? `${fn}.${ln}${i}@example.com`.toLowerCase() : null,
      Phone: rnd() < 0.02 ? '555-CALL-NOW' : format(place.area, 5550000 + i),
      MobilePhone: rnd() < 0.4 ? format(place.area, 5560000 + i) : null,
      HomePhone: null,
      MailingCity: place.city,
      MailingState: place.state,
      MailingPostalCode: place.zip,
      MailingCountry: place.country,
      LeadSource: pick(['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List']),
      DoNotCall: rnd() < 0.05,
      HasOptedOutOfEmail: rnd() < 0.08,
      OwnerId: '005Dp0000000001AAA',
      CreatedDate: iso(created),
      LastModifiedDate: iso(modified),
      SystemModstamp: iso(modified),
    });
    if (rnd() < 0.4) {
      const stage = OPPORTUNITY_STAGES[Math.floor(rnd() * OPPORTUNITY_STAGES.length)];
      out.Opportunity.push({
        Id: createdRecordId('006', ++opp, 'Dp', '0'),
        ContactId: id,
        Name: `${ln} - renewal`,
        StageName: stage.value,
        Amount: Math.round(rnd() * 50_000) + 500,
        CloseDate: new Date(modified + 30 * 86_400_000).toISOString().slice(0, 10),
        OwnerId: '005Dp0000000001AAA',
        CreatedDate: iso(created),
        LastModifiedDate: iso(modified),
        SystemModstamp: iso(modified),
      });
    }
    const calls = rnd() < 0.5 ? 1 + Math.floor(rnd() * 2) : 0;
    for (let c = 0; c < calls; c++) {
      const at = modified - c * 86_400_000 * 7;
      out.Task.push({
        Id: createdRecordId('00T', ++task, 'Dp', '0'),
        WhoId: id,
        Subject: 'Call',
        Status: 'Completed',
        Priority: 'Normal',
        TaskSubtype: 'Call',
        CallType: 'Outbound',
        CallDisposition: pick(['Connected', 'Left voicemail', 'No answer', 'Busy', 'Wrong number']),
        CallDurationInSeconds: Math.floor(rnd() * 600),
        ActivityDate: new Date(at).toISOString().slice(0, 10),
        OwnerId: '005Dp0000000001AAA',
        CreatedDate: iso(at),
        LastModifiedDate: iso(at),
        SystemModstamp: iso(at),
      });
    }
  }
  return out;
}

function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
