import { AREA_CODES, type AreaCode, type Place } from './area-codes.js';
import { Rng, Stream, cumulativeWeights } from './prng.js';
import {
  COMPANY_KINDS,
  COMPANY_WORDS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  STREET_NAMES,
  STREET_SUFFIXES,
  TITLES,
} from './vocabulary.js';

/**
 * A real-world person behind one or more CRM records. Records render a person with their own
 * formatting (and sometimes errors); duplicates are two records of one person.
 */
export interface Person {
  readonly first: string;
  /** Common short form of the first name (Bob for Robert), if any. */
  readonly nickname: string | null;
  readonly last: string;
  /** Lower-case ASCII email local part and domain. */
  readonly emailLocal: string;
  readonly emailDomain: string;
  /** Where the main phone's area code rings. */
  readonly phoneArea: AreaCode;
  readonly phonePlace: Place;
  /** 10 national digits (NANP), always a valid number. */
  readonly phone: string;
  readonly mobile: string | null;
  readonly home: string | null;
  /** Mailing address: usually the phone's place; for ~8% of people somewhere else (they moved). */
  readonly addressArea: AreaCode;
  readonly addressPlace: Place;
  readonly addressDisagrees: boolean;
  readonly street: string;
  readonly postalCode: string;
  readonly title: string;
  readonly company: string;
}

const AREA_WEIGHTS = cumulativeWeights(AREA_CODES.map((a) => a.weight));
/** Share of people whose mailing address is in another area than their phone. */
export const ADDRESS_DISAGREES_RATE = 0.08;

/** Person number `p` of a seed. Persons are shared by both CRMs' generators. */
export function personAt(seedHash: number, p: number): Person {
  const demo = demoPerson(p);
  if (demo) return demo;
  const rng = Rng.for(seedHash, Stream.person, p);
  const [first, nickname] = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const phoneArea = AREA_CODES[rng.weighted(AREA_WEIGHTS)];
  const phonePlace = rng.pick(phoneArea.places);
  const phone = nationalNumber(phoneArea.npa, rng);
  const mobile = rng.chance(0.55)
    ? nationalNumber(rng.chance(0.8) ? phoneArea.npa : AREA_CODES[rng.weighted(AREA_WEIGHTS)].npa, rng)
    : null;
  const home = rng.chance(0.15) ? nationalNumber(phoneArea.npa, rng) : null;
  const addressDisagrees = rng.chance(ADDRESS_DISAGREES_RATE);
  let addressArea = phoneArea;
  if (addressDisagrees) {
    // Somewhere in another state, as people keep their number when they move.
    do addressArea = AREA_CODES[rng.weighted(AREA_WEIGHTS)];
    while (addressArea.state === phoneArea.state);
  }
  const addressPlace = addressDisagrees ? rng.pick(addressArea.places) : phonePlace;
  return {
    first,
    nickname,
    last,
    emailLocal: emailLocal(first, last, rng),
    emailDomain: rng.pick(EMAIL_DOMAINS),
    phoneArea,
    phonePlace,
    phone,
    mobile,
    home,
    addressArea,
    addressPlace,
    addressDisagrees,
    street: `${rng.between(1, 9899)} ${rng.pick(STREET_NAMES)} ${rng.pick(STREET_SUFFIXES)}`,
    postalCode: postalCode(addressArea, addressPlace, rng),
    title: rng.pick(TITLES),
    company: `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_KINDS)}`,
  };
}

/** 10 digits in `npa` with a valid exchange (2-9 first digit, never N11 or 555) and any line. */
export function nationalNumber(npa: string, rng: Rng): string {
  let exchange = rng.between(200, 999);
  if (exchange % 100 === 11 || exchange === 555) exchange++;
  return `${npa}${exchange}${String(rng.int(10_000)).padStart(4, '0')}`;
}

function postalCode(area: AreaCode, place: Place, rng: Rng): string {
  if (area.country === 'CA') {
    const letters = 'ABCEGHJKLMNPRSTVWXYZ';
    return `${place.postal} ${rng.int(10)}${letters[rng.int(letters.length)]}${rng.int(10)}`;
  }
  return `${place.postal}${String(rng.int(100)).padStart(2, '0')}`;
}

/** Names come from fixed lists, so their ASCII forms are memoised (NFD + regex is slow per row). */
const asciiCache = new Map<string, string>();
function ascii(text: string): string {
  let cached = asciiCache.get(text);
  if (cached === undefined) {
    cached = toAscii(text);
    if (asciiCache.size < 10_000) asciiCache.set(text, cached);
  }
  return cached;
}

function toAscii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

function emailLocal(first: string, last: string, rng: Rng): string {
  const f = ascii(first);
  const l = ascii(last);
  switch (rng.int(4)) {
    case 0:
      return `${f}.${l}`;
    case 1:
      return `${f[0]}${l}`;
    case 2:
      return `${f}${l}${rng.between(1, 99)}`;
    default:
      return `${f}_${l}`;
  }
}

// ---- Demo people: fixed, seed-independent, used by the first records of each CRM ----

function place(npa: string, city: string): { area: AreaCode; place: Place } {
  const area = AREA_CODES.find((a) => a.npa === npa)!;
  return { area, place: area.places.find((p) => p.city === city)! };
}

function demo(
  first: string,
  last: string,
  phone: string,
  mobile: string | null,
  at: { area: AreaCode; place: Place },
  address: { area: AreaCode; place: Place } = at,
  postalCode: string = `${address.place.postal}01`,
): Person {
  return {
    first,
    nickname: null,
    last,
    emailLocal: `${ascii(first)}.${ascii(last)}`,
    emailDomain: 'example.com',
    phoneArea: at.area,
    phonePlace: at.place,
    phone,
    mobile,
    home: null,
    addressArea: address.area,
    addressPlace: address.place,
    addressDisagrees: address.area !== at.area,
    street: '100 Market St',
    postalCode,
    title: 'Owner',
    company: `${last} Demo Co`,
  };
}

/** Persons -1, -2, ...: the demo people (see demo-contacts.ts for which records show them). */
export const DEMO_PEOPLE: readonly Person[] = [
  demo('Dana', 'Whitaker', '4155550100', '4155550101', place('415', 'San Francisco')),
  demo('Marcus', 'Oyelaran', '6025550110', null, place('602', 'Phoenix')),
  demo('Leilani', 'Kahale', '8085550120', null, place('808', 'Honolulu')),
  demo('Étienne', 'Roy', '4165550130', null, place('416', 'Toronto'), undefined, 'M5V 2T6'),
  demo('Priya', 'Raman', '8505550140', null, place('850', 'Pensacola'), place('850', 'Tallahassee')),
  demo('Jordan', 'Blake', '3125550150', null, place('312', 'Chicago')),
  demo('Grace', 'Liu', '2125550160', '2125550161', place('212', 'New York')),
  demo('Tomás', 'Herrera', '9075550170', null, place('907', 'Anchorage')),
  demo('Aisha', 'Bello', '9155550180', null, place('915', 'El Paso')),
  demo('Noah', 'Fischer', '4155550190', null, place('415', 'San Francisco')),
  demo('Morgan', 'Lee', '2065550199', null, place('206', 'Seattle')),
];

/** Person number of demo person `k` (0-based). */
export function demoPersonNumber(k: number): number {
  return -1 - k;
}

function demoPerson(p: number): Person | undefined {
  return p < 0 ? DEMO_PEOPLE[-1 - p] : undefined;
}
