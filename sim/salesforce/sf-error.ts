import type { SimResponse } from '../common/sim-server.js';

/** Salesforce's REST error body is an array: `[{message, errorCode, fields}]`. */
export class SfError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
    this.name = 'SfError';
  }

  toResponse(): SimResponse {
    return sfErrorResponse(this.status, this.errorCode, this.message, this.fields);
  }
}

export function sfErrorResponse(
  status: number,
  errorCode: string,
  message: string,
  fields: string[] = [],
): SimResponse {
  return { status, body: [{ message, errorCode, fields }] };
}

export const SF_CONTENT_TYPE = 'application/json;charset=UTF-8';
