import type { PropertyValidationIssue } from './errors.js';
import type { PropertyDefinition } from './properties.js';

/**
 * Turns one written value into the string HubSpot stores, or the validation issue HubSpot reports.
 * HubSpot accepts JSON strings, numbers and booleans for property values and stores strings;
 * datetimes are accepted as epoch milliseconds or ISO 8601 and read back as ISO 8601.
 */
export function normalizeWrite(
  def: PropertyDefinition,
  apiName: string,
  raw: unknown,
): { value: string } | { issue: PropertyValidationIssue } {
  if (raw === null || raw === undefined || raw === '') return { value: '' };
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    return issue(
      apiName,
      'INVALID_PROPERTY_VALUE',
      `${JSON.stringify(raw)} is not a valid value for property "${apiName}"`,
    );
  }
  const text = String(raw);
  switch (def.type) {
    case 'bool': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === 'false') return { value: lower };
      return issue(
        apiName,
        'INVALID_BOOLEAN',
        `${JSON.stringify(text)} is not a valid boolean for property "${apiName}"`,
      );
    }
    case 'number': {
      const n = Number(text.trim());
      if (text.trim() !== '' && Number.isFinite(n)) return { value: text.trim() };
      return issue(apiName, 'INVALID_FLOAT', `${JSON.stringify(text)} is not a valid number for property "${apiName}"`);
    }
    case 'enumeration': {
      if (def.options.some((o) => o.value === text)) return { value: text };
      const allowed = def.options.map((o) => o.value).join(', ');
      return issue(
        apiName,
        'INVALID_OPTION',
        `${JSON.stringify(text)} was not one of the allowed options: [${allowed}]`,
      );
    }
    case 'datetime':
    case 'date': {
      const ms = parseDateValue(text);
      if (ms === null)
        return issue(
          apiName,
          'INVALID_DATE',
          `${JSON.stringify(text)} is not a valid date/time for property "${apiName}"`,
        );
      return { value: new Date(ms).toISOString() };
    }
    default:
      return { value: text };
  }
}

/** Epoch milliseconds (digits) or an ISO 8601 date/datetime; null when neither. */
export function parseDateValue(text: string): number | null {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : null;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

function issue(name: string, error: string, message: string): { issue: PropertyValidationIssue } {
  return { issue: { name, error, message } };
}
