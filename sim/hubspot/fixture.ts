import { CALL_DISPOSITIONS } from './properties.js';
import type { HubspotSeed } from './store.js';

/**
 * A small, hand-written portal for tests and `npm run sim` until the generated dataset is wired
 * in: messy phone formats, a do-not-call flag, an email opt-out, a Canadian number, a junk number,
 * deals in open/won/lost stages and prior calls with dispositions.
 */
export function hubspotFixture(): HubspotSeed {
  const c = (id: string, properties: Record<string, string>, updatedAt = '2024-03-01T12:00:00.000Z') => ({
    id,
    properties,
    createdAt: '2023-06-01T09:00:00.000Z',
    updatedAt,
  });
  return {
    contacts: [
      c('101', {
        firstname: 'Ada',
        lastname: 'Lovelace',
        email: 'ada@example.com',
        phone: '(415) 555-0100',
        state: 'CA',
        country: 'United States',
        city: 'San Francisco',
        zip: '94103',
        hs_timezone: 'america_slash_los_angeles',
        lifecyclestage: 'lead',
        hs_lead_status: 'OPEN',
      }),
      c('102', {
        firstname: 'Grace',
        lastname: 'Hopper',
        email: 'grace@example.com',
        phone: '+1 212.555.0101',
        mobilephone: '646-555-0102',
        state: 'NY',
        country: 'United States',
        hs_timezone: 'america_slash_new_york',
        lifecyclestage: 'opportunity',
        dialplane_do_not_call: 'true',
      }),
      c(
        '103',
        {
          firstname: 'Alan',
          lastname: 'Turing',
          email: 'alan@example.org',
          phone: '6025550103 x12',
          state: 'AZ',
          hs_timezone: 'america_slash_phoenix',
          hs_email_optout: 'true',
          lifecyclestage: 'customer',
        },
        '2024-05-10T08:30:00.000Z',
      ),
      c(
        '104',
        {
          firstname: 'Katherine',
          lastname: 'Johnson',
          phone: '808 555 0104',
          state: 'HI',
          hs_timezone: 'pacific_slash_honolulu',
          lifecyclestage: 'salesqualifiedlead',
        },
        '2024-05-20T08:30:00.000Z',
      ),
      c('105', {
        firstname: 'Margaret',
        lastname: 'Hamilton',
        email: 'margaret@example.ca',
        phone: '+1 (604) 555-0105',
        country: 'Canada',
        state: 'BC',
        hs_timezone: 'america_slash_vancouver',
      }),
      c('106', { firstname: 'Junk', lastname: 'Number', phone: '555-01', lifecyclestage: 'subscriber' }),
      c('107', {
        firstname: 'Ada',
        lastname: 'Lovelace',
        email: 'ADA@example.com',
        phone: '+14155550100',
        state: 'NV',
        lifecyclestage: 'lead',
      }),
    ],
    deals: [
      {
        id: '5001',
        properties: {
          dealname: 'Ada renewal',
          dealstage: 'presentationscheduled',
          pipeline: 'default',
          amount: '1200',
          closedate: '2024-07-01T00:00:00.000Z',
        },
      },
      {
        id: '5002',
        properties: {
          dealname: 'Grace expansion',
          dealstage: 'closedwon',
          pipeline: 'default',
          amount: '5400',
          closedate: '2024-02-01T00:00:00.000Z',
        },
      },
      {
        id: '5003',
        properties: { dealname: 'Alan pilot', dealstage: 'closedlost', pipeline: 'default', amount: '800' },
      },
    ],
    calls: [
      {
        id: '90001',
        properties: {
          hs_timestamp: '2024-04-01T16:00:00.000Z',
          hs_call_title: 'Intro call',
          hs_call_direction: 'OUTBOUND',
          hs_call_disposition: CALL_DISPOSITIONS.connected,
          hs_call_status: 'COMPLETED',
          hs_call_duration: '182000',
        },
      },
      {
        id: '90002',
        properties: {
          hs_timestamp: '2024-04-03T17:30:00.000Z',
          hs_call_title: 'Follow-up',
          hs_call_direction: 'OUTBOUND',
          hs_call_disposition: CALL_DISPOSITIONS.leftVoicemail,
          hs_call_status: 'COMPLETED',
          hs_call_duration: '31000',
        },
      },
    ],
    associations: {
      contactToDeal: [
        ['101', '5001'],
        ['102', '5002'],
        ['103', '5003'],
      ],
      contactToCall: [
        ['101', '90001'],
        ['101', '90002'],
      ],
    },
  };
}
