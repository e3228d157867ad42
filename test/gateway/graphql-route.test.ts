import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import type { OperationBody, Refusal } from '../../gateway/demand-control/admission.js';
import { chooseLane, refused, requestForm, unauthenticated, type Door } from '../../gateway/graphql-route.js';

// Which lane a /graphql request takes (gateway/graphql-route.ts), without a server: the door is a
// stub that admits or refuses, so each rule is seen on its own.

const url = new URL('http://localhost/graphql?query=%7B__typename%7D');
const tooComplex: Refusal = {
  status: 400,
  headers: {},
  error: { message: 'too complex', extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } },
};
const admitAll: Door = {
  admitSearch: (u) => ({ search: u.search }),
  admitOperation: (body) => ({ body }),
};
const refuseAll: Door = { admitSearch: () => tooComplex, admitOperation: () => tooComplex };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('requestForm', () => {
  it('tells the landing page, query strings, JSON bodies and everything else apart by method and headers', () => {
    expect(requestForm('GET', { accept: 'text/html,application/xhtml+xml' })).toBe('landing-page');
    expect(requestForm('GET', { accept: 'application/json' })).toBe('query-string');
    expect(requestForm('GET', {})).toBe('query-string');
    expect(requestForm('POST', { 'content-type': 'application/json; charset=utf-8' })).toBe('json-body');
    expect(requestForm('POST', { 'content-type': 'application/graphql-response+json' })).toBe('json-body');
    expect(requestForm('POST', { 'content-type': 'text/plain' })).toBe('other');
    expect(requestForm('POST', {})).toBe('other');
    expect(requestForm('PUT', { 'content-type': 'application/json' })).toBe('other');
  });
});

describe('chooseLane', () => {
  it('sends an admitted JSON operation to the CRM fast path when it is on, to Apollo when it is off', () => {
    const body = { query: '{ contact(id: "x") { id } }', operationName: 'CallStart' };
    expect(chooseLane({ form: 'json-body', url, rawBody: json(body) }, admitAll, true)).toEqual({
      lane: 'fast-path',
      body,
      operationName: 'CallStart',
    });
    expect(chooseLane({ form: 'json-body', url, rawBody: json(body) }, admitAll, false)).toEqual({
      lane: 'apollo',
      url,
      body: { value: body },
      admitted: true,
      operationName: 'CallStart',
    });
  });

  it('runs the operation the door admitted (a trusted document id resolved to its text)', () => {
    const door: Door = {
      ...admitAll,
      admitOperation: (b: OperationBody) => ({ body: { ...b, query: '{ resolved }', documentId: undefined } }),
    };
    const lane = chooseLane({ form: 'json-body', url, rawBody: json({ documentId: 'sha256:ab' }) }, door, true);
    expect(lane).toMatchObject({ lane: 'fast-path', body: { query: '{ resolved }' } });
  });

  it('refuses what the door refuses, and still names the operation for the span', () => {
    const lane = chooseLane(
      { form: 'json-body', url, rawBody: json({ query: '{ a }', operationName: 'Big' }) },
      refuseAll,
      true,
    );
    expect(lane).toEqual({ ...refused(tooComplex), operationName: 'Big' });
    expect(chooseLane({ form: 'query-string', url }, refuseAll, true)).toEqual(refused(tooComplex));
  });

  it('answers 400 BAD_USER_INPUT for a body that is not JSON, without asking the door', () => {
    const door: Door = {
      admitSearch: () => {
        throw new Error('not asked');
      },
      admitOperation: () => {
        throw new Error('not asked');
      },
    };
    expect(chooseLane({ form: 'json-body', url, rawBody: Buffer.from('{"query":') }, door, true)).toEqual({
      lane: 'refused',
      status: 400,
      headers: {},
      errors: [{ message: 'body is not valid JSON', extensions: { code: ErrorCode.BAD_USER_INPUT } }],
    });
  });

  it('leaves bodies that are no operation object (empty, a batch, a scalar) to Apollo, unadmitted', () => {
    expect(chooseLane({ form: 'json-body', url, rawBody: Buffer.alloc(0) }, refuseAll, true)).toEqual({
      lane: 'apollo',
      url,
      body: { value: undefined },
      admitted: false,
    });
    expect(chooseLane({ form: 'json-body', url, rawBody: json([{ query: '{ a }' }]) }, refuseAll, true)).toMatchObject({
      lane: 'apollo',
      body: { value: [{ query: '{ a }' }] },
      admitted: false,
    });
    expect(chooseLane({ form: 'json-body', url, rawBody: json(7) }, refuseAll, true)).toMatchObject({
      lane: 'apollo',
      admitted: false,
    });
  });

  it('lets Apollo read a GET with the query string the door rewrote, and other methods as they came', () => {
    const door: Door = { ...admitAll, admitSearch: () => ({ search: '?query=%7Bresolved%7D' }) };
    const lane = chooseLane({ form: 'query-string', url }, door, true);
    expect(lane).toMatchObject({ lane: 'apollo', admitted: true });
    expect(lane.lane === 'apollo' && lane.url.href).toBe('http://localhost/graphql?query=%7Bresolved%7D');
    expect(chooseLane({ form: 'query-string', url }, admitAll, true)).toEqual({ lane: 'apollo', url, admitted: true });
    expect(chooseLane({ form: 'other', url }, refuseAll, true)).toEqual({ lane: 'apollo', url, admitted: false });
  });

  it('serves the landing page without an operation, and 401s a missing token with a Bearer challenge', () => {
    expect(chooseLane({ form: 'landing-page', url }, refuseAll, true)).toEqual({ lane: 'landing-page' });
    expect(unauthenticated('Authentication required.')).toEqual({
      lane: 'refused',
      status: 401,
      headers: { 'www-authenticate': 'Bearer' },
      errors: [{ message: 'Authentication required.', extensions: { code: ErrorCode.UNAUTHENTICATED } }],
    });
  });
});
