/**
 * North American area codes the generator draws phones from, with where they ring and in which
 * IANA zone. Weights are rough population shares; split-zone codes list one place per zone, so a
 * person's real zone is not knowable from the area code alone (the consent engine must treat
 * those conservatively). Zones were checked against tz database names; for a few split codes
 * (915, 219) the minority zone is best-effort and says so below.
 */

export type Country = 'US' | 'CA' | 'PR';

export interface Place {
  readonly city: string;
  /** IANA zone of this place. */
  readonly zone: string;
  /** First three digits of postal codes there (US zip3) or Canadian FSA. */
  readonly postal: string;
}

export interface AreaCode {
  readonly npa: string;
  readonly country: Country;
  /** USPS state / Canadian province code. */
  readonly state: string;
  readonly places: readonly Place[];
  readonly weight: number;
  /** True when the area code spans two time zones. */
  readonly splitZone: boolean;
}

const NY = 'America/New_York';
const CHI = 'America/Chicago';
const DEN = 'America/Denver';
const PHX = 'America/Phoenix';
const LA = 'America/Los_Angeles';

function code(
  npa: string,
  country: Country,
  state: string,
  weight: number,
  ...places: [string, string, string][]
): AreaCode {
  return {
    npa,
    country,
    state,
    weight,
    places: places.map(([city, zone, postal]) => ({ city, zone, postal })),
    splitZone: new Set(places.map((p) => p[1])).size > 1,
  };
}

export const AREA_CODES: readonly AreaCode[] = [
  // Eastern
  code('212', 'US', 'NY', 3, ['New York', NY, '100']),
  code('718', 'US', 'NY', 2, ['Brooklyn', NY, '112']),
  code('516', 'US', 'NY', 1, ['Hempstead', NY, '115']),
  code('617', 'US', 'MA', 2, ['Boston', NY, '021']),
  code('215', 'US', 'PA', 2, ['Philadelphia', NY, '191']),
  code('412', 'US', 'PA', 1, ['Pittsburgh', NY, '152']),
  code('404', 'US', 'GA', 2, ['Atlanta', NY, '303']),
  code('305', 'US', 'FL', 2, ['Miami', NY, '331']),
  code('407', 'US', 'FL', 1, ['Orlando', NY, '328']),
  code('813', 'US', 'FL', 1, ['Tampa', NY, '336']),
  code('202', 'US', 'DC', 1, ['Washington', NY, '200']),
  code('410', 'US', 'MD', 1, ['Baltimore', NY, '212']),
  code('703', 'US', 'VA', 1, ['Arlington', NY, '222']),
  code('704', 'US', 'NC', 1, ['Charlotte', NY, '282']),
  code('919', 'US', 'NC', 1, ['Raleigh', NY, '276']),
  code('843', 'US', 'SC', 0.7, ['Charleston', NY, '294']),
  code('313', 'US', 'MI', 1, ['Detroit', 'America/Detroit', '482']),
  code('216', 'US', 'OH', 1, ['Cleveland', NY, '441']),
  code('614', 'US', 'OH', 1, ['Columbus', NY, '432']),
  code('317', 'US', 'IN', 0.8, ['Indianapolis', 'America/Indiana/Indianapolis', '462']),
  code('973', 'US', 'NJ', 1, ['Newark', NY, '071']),
  code('203', 'US', 'CT', 0.8, ['New Haven', NY, '065']),
  code('207', 'US', 'ME', 0.4, ['Portland', NY, '041']),
  code('802', 'US', 'VT', 0.3, ['Burlington', NY, '054']),
  code('603', 'US', 'NH', 0.4, ['Manchester', NY, '031']),
  code('401', 'US', 'RI', 0.4, ['Providence', NY, '029']),
  code('302', 'US', 'DE', 0.3, ['Wilmington', NY, '198']),
  code('304', 'US', 'WV', 0.4, ['Charleston', NY, '253']),
  code('502', 'US', 'KY', 0.6, ['Louisville', 'America/Kentucky/Louisville', '402']),
  // Central
  code('312', 'US', 'IL', 2, ['Chicago', CHI, '606']),
  code('773', 'US', 'IL', 1, ['Chicago', CHI, '606']),
  code('214', 'US', 'TX', 2, ['Dallas', CHI, '752']),
  code('713', 'US', 'TX', 2, ['Houston', CHI, '770']),
  code('512', 'US', 'TX', 1, ['Austin', CHI, '787']),
  code('210', 'US', 'TX', 1, ['San Antonio', CHI, '782']),
  code('612', 'US', 'MN', 1, ['Minneapolis', CHI, '554']),
  code('314', 'US', 'MO', 1, ['St. Louis', CHI, '631']),
  code('816', 'US', 'MO', 0.8, ['Kansas City', CHI, '641']),
  code('504', 'US', 'LA', 0.8, ['New Orleans', CHI, '701']),
  code('615', 'US', 'TN', 1, ['Nashville', CHI, '372']),
  code('901', 'US', 'TN', 0.7, ['Memphis', CHI, '381']),
  code('414', 'US', 'WI', 0.8, ['Milwaukee', CHI, '532']),
  code('205', 'US', 'AL', 0.7, ['Birmingham', CHI, '352']),
  code('601', 'US', 'MS', 0.5, ['Jackson', CHI, '392']),
  code('501', 'US', 'AR', 0.5, ['Little Rock', CHI, '722']),
  code('405', 'US', 'OK', 0.6, ['Oklahoma City', CHI, '731']),
  code('918', 'US', 'OK', 0.5, ['Tulsa', CHI, '741']),
  code('515', 'US', 'IA', 0.5, ['Des Moines', CHI, '503']),
  code('402', 'US', 'NE', 0.5, ['Omaha', CHI, '681']),
  code('316', 'US', 'KS', 0.5, ['Wichita', CHI, '672']),
  // Mountain
  code('303', 'US', 'CO', 1.5, ['Denver', DEN, '802']),
  code('719', 'US', 'CO', 0.5, ['Colorado Springs', DEN, '809']),
  code('801', 'US', 'UT', 1, ['Salt Lake City', DEN, '841']),
  code('505', 'US', 'NM', 0.6, ['Albuquerque', DEN, '871']),
  code('406', 'US', 'MT', 0.4, ['Billings', DEN, '591']),
  code('307', 'US', 'WY', 0.3, ['Cheyenne', DEN, '820']),
  // Arizona: Mountain Standard Time all year (no DST)
  code('602', 'US', 'AZ', 1.2, ['Phoenix', PHX, '850']),
  code('520', 'US', 'AZ', 0.7, ['Tucson', PHX, '857']),
  code('480', 'US', 'AZ', 1, ['Mesa', PHX, '852']),
  // Pacific
  code('415', 'US', 'CA', 1.5, ['San Francisco', LA, '941']),
  code('213', 'US', 'CA', 1.5, ['Los Angeles', LA, '900']),
  code('310', 'US', 'CA', 1, ['Santa Monica', LA, '904']),
  code('619', 'US', 'CA', 1, ['San Diego', LA, '921']),
  code('408', 'US', 'CA', 1, ['San Jose', LA, '951']),
  code('916', 'US', 'CA', 0.7, ['Sacramento', LA, '958']),
  code('206', 'US', 'WA', 1.2, ['Seattle', LA, '981']),
  code('509', 'US', 'WA', 0.4, ['Spokane', LA, '992']),
  code('503', 'US', 'OR', 0.8, ['Portland', LA, '972']),
  code('702', 'US', 'NV', 0.8, ['Las Vegas', LA, '891']),
  // Alaska, Hawaii
  code('907', 'US', 'AK', 0.6, ['Anchorage', 'America/Anchorage', '995']),
  code('808', 'US', 'HI', 0.8, ['Honolulu', 'Pacific/Honolulu', '968']),
  // Split-zone area codes: one place per zone
  code('850', 'US', 'FL', 0.8, ['Pensacola', CHI, '325'], ['Tallahassee', NY, '323']),
  code('208', 'US', 'ID', 0.7, ['Boise', 'America/Boise', '837'], ["Coeur d'Alene", LA, '838']),
  code('541', 'US', 'OR', 0.6, ['Eugene', LA, '974'], ['Ontario', 'America/Boise', '979']),
  code('605', 'US', 'SD', 0.5, ['Sioux Falls', CHI, '571'], ['Rapid City', DEN, '577']),
  // 915: El Paso is Mountain; Van Horn (Culberson County) is legally Central: best-effort.
  code('915', 'US', 'TX', 0.5, ['El Paso', DEN, '799'], ['Van Horn', CHI, '798']),
  code('906', 'US', 'MI', 0.4, ['Marquette', 'America/Detroit', '498'], ['Iron Mountain', 'America/Menominee', '498']),
  code('270', 'US', 'KY', 0.5, ['Bowling Green', CHI, '421'], ['Elizabethtown', NY, '427']),
  code('423', 'US', 'TN', 0.5, ['Chattanooga', NY, '374'], ['Jasper', CHI, '373']),
  code('308', 'US', 'NE', 0.4, ['Grand Island', CHI, '688'], ['Scottsbluff', DEN, '693']),
  code('701', 'US', 'ND', 0.4, ['Fargo', CHI, '581'], ['Dickinson', DEN, '586']),
  code('620', 'US', 'KS', 0.4, ['Dodge City', CHI, '678'], ['Syracuse', DEN, '678']),
  code('812', 'US', 'IN', 0.5, ['Bloomington', 'America/Indiana/Indianapolis', '474'], ['Evansville', CHI, '477']),
  // 219: Lake County is Central; the Eastern minority place is best-effort.
  code('219', 'US', 'IN', 0.5, ['Gary', CHI, '464'], ['Rensselaer', 'America/Indiana/Indianapolis', '479']),
  // Canada (NANP, country code 1)
  code('416', 'CA', 'ON', 0.6, ['Toronto', 'America/Toronto', 'M5V']),
  code('604', 'CA', 'BC', 0.5, ['Vancouver', 'America/Vancouver', 'V6B']),
  code('514', 'CA', 'QC', 0.4, ['Montréal', 'America/Toronto', 'H2X']),
  code('403', 'CA', 'AB', 0.3, ['Calgary', 'America/Edmonton', 'T2P']),
  code('902', 'CA', 'NS', 0.2, ['Halifax', 'America/Halifax', 'B3H']),
  // Puerto Rico (NANP, Atlantic time, no DST)
  code('787', 'PR', 'PR', 0.3, ['San Juan', 'America/Puerto_Rico', '009']),
];

const byNpa = new Map(AREA_CODES.map((a) => [a.npa, a]));

/** The area code entry for a 3-digit NPA, if the generator uses it. */
export function areaCode(npa: string): AreaCode | undefined {
  return byNpa.get(npa);
}

/** Full state / province names, for the messy "California" vs "CA" address values. */
export const STATE_NAMES: Readonly<Record<string, string>> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DC: 'District of Columbia',
  DE: 'Delaware',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
  PR: 'Puerto Rico',
  ON: 'Ontario',
  BC: 'British Columbia',
  QC: 'Quebec',
  AB: 'Alberta',
  NS: 'Nova Scotia',
};
