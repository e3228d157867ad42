import type { SimEdit, SimEditResult } from '../common/admin-schemas.js';
import { SimEditError } from '../common/sim-server.js';
import {
  HubspotApiError,
  conflict,
  objectNotFound,
  propertyValidationError,
  validationError,
  type PropertyValidationIssue,
} from './errors.js';
import { objectTypeOf, type ObjectType } from './properties.js';
import type { PropertySchema } from './property-schema.js';
import { normalizeWrite } from './property-values.js';
import { ASSOCIATION_TYPE_IDS } from './associations.js';
import type { StoredObject } from './object-table.js';
import type { HubspotStore } from './store.js';
import type { PropertyChange, SubscriptionType, WebhookEmitter } from './webhooks.js';

/**
 * The simulated portal's behaviour on writes, shared by the CRM API handlers and the admin
 * `edit` hook: validation as HubSpot reports it, unique values, derived values, HubSpot's
 * lifecycle-stage sync on won deals, and one webhook event per changed property.
 */

export type ChangeSource = PropertyChange['changeSource'];

export interface AssociationInput {
  toType: ObjectType;
  toId: string;
  typeId: number;
}

const SUBSCRIPTION: Record<ObjectType, SubscriptionType> = {
  contacts: 'contact.propertyChange',
  deals: 'deal.propertyChange',
  calls: 'call.propertyChange',
};

/** A person in the UI is user 9001; API writes come from the private app. */
const SOURCE_IDS: Record<ChangeSource, string> = {
  CRM_UI: 'userId:9001',
  INTEGRATION: 'app:private',
  AUTOMATION: 'lifecycle-stage-sync',
};

export class HubspotPortal {
  constructor(
    readonly store: HubspotStore,
    readonly schema: PropertySchema,
    private readonly webhooks: WebhookEmitter,
  ) {}

  /**
   * Validates written values (API names) into internal names -> stored strings; every problem is
   * reported at once, as HubSpot's `Property values were not valid: [...]` does.
   */
  validate(
    type: ObjectType,
    input: Record<string, unknown>,
    options: { allowReadOnly?: boolean } = {},
  ): Record<string, string> {
    const values: Record<string, string> = {};
    const issues: PropertyValidationIssue[] = [];
    for (const [apiName, raw] of Object.entries(input)) {
      const def = this.schema.resolve(type, apiName);
      if (!def) {
        issues.push({ name: apiName, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${apiName}" does not exist` });
        continue;
      }
      if (def.readOnly && !options.allowReadOnly) {
        issues.push({
          name: apiName,
          error: 'READ_ONLY_VALUE',
          message: `"${apiName}" is a read only property; its value cannot be set.`,
        });
        continue;
      }
      const result = normalizeWrite(def, apiName, raw);
      if ('issue' in result) issues.push(result.issue);
      else values[def.name] = result.value;
    }
    if (issues.length > 0) throw propertyValidationError(issues);
    return values;
  }

  /** 409 when a unique property's value is already held by another record. */
  private checkUnique(type: ObjectType, values: Record<string, string>, selfId?: string): void {
    const table = this.store.tables[type];
    for (const def of this.schema.definitions(type)) {
      if (!def.hasUniqueValue) continue;
      const v = values[def.name];
      if (!v) continue;
      const holders = table.lookup(def.name, v) ?? new Set<string>();
      const other = [...holders].find((id) => id !== selfId);
      if (other !== undefined) {
        const apiName = this.schema.apiName(type, def.name) ?? def.name;
        throw conflict(
          `A ${type.slice(0, -1)} with ${apiName}=${JSON.stringify(v)} already exists. Existing ID: ${other}`,
          {
            id: [other],
            propertyName: [apiName],
          },
        );
      }
    }
  }

  create(
    type: ObjectType,
    input: Record<string, unknown>,
    associations: AssociationInput[] = [],
    at = Date.now(),
  ): StoredObject {
    const values = this.validate(type, input);
    if (type === 'calls' && !values.hs_timestamp) {
      throw propertyValidationError([
        { name: 'hs_timestamp', error: 'REQUIRED_PROPERTY', message: 'hs_timestamp is required' },
      ]);
    }
    for (const a of associations) {
      const expected = ASSOCIATION_TYPE_IDS[`${type}->${a.toType}`];
      if (expected !== a.typeId) {
        throw validationError(`associationTypeId ${a.typeId} is not valid between ${type} and ${a.toType}`);
      }
      if (!this.store.get(a.toType, a.toId)) {
        throw validationError(`Could not create association: ${a.toType.slice(0, -1)} ${a.toId} does not exist`, [
          { message: `to object ${a.toId} does not exist`, code: 'INVALID_OBJECT_ID', in: 'associations' },
        ]);
      }
    }
    this.checkUnique(type, values);
    const obj = this.store.create(type, values, at);
    for (const a of associations) this.store.associations.add(type, obj.id, a.toType, a.toId);
    return obj;
  }

  /** Writes values (API names) to an existing record; emits one event per changed property. */
  update(
    type: ObjectType,
    id: string,
    input: Record<string, unknown>,
    source: ChangeSource,
    options: { allowReadOnly?: boolean } = {},
  ): { obj: StoredObject; changed: string[] } {
    const obj = this.store.get(type, id);
    if (!obj) throw objectNotFound(id);
    const values = this.validate(type, input, options);
    this.checkUnique(type, values, id);
    return { obj, changed: this.apply(type, obj, values, source) };
  }

  /** Applies normalized values; returns the API names of what changed (drift-removed ones omitted). */
  private apply(
    type: ObjectType,
    obj: StoredObject,
    values: Record<string, string>,
    source: ChangeSource,
    at = Date.now(),
  ): string[] {
    const changed = this.store.update(type, obj, values, at);
    const changes: PropertyChange[] = [];
    const apiNames: string[] = [];
    for (const internal of changed) {
      const apiName = this.schema.apiName(type, internal);
      if (!apiName) continue;
      apiNames.push(apiName);
      // Webhook subscriptions cover properties people and integrations set, not calculated ones.
      const def = this.schema.definitions(type).find((d) => d.name === internal);
      if (def?.calculated) continue;
      changes.push({
        subscriptionType: SUBSCRIPTION[type],
        objectId: obj.id,
        propertyName: apiName,
        propertyValue: obj.props[internal] ?? '',
        changeSource: source,
        sourceId: SOURCE_IDS[source],
        occurredAt: obj.updatedAt,
      });
    }
    this.webhooks.emit(changes);
    if (type === 'deals' && changed.includes('dealstage') && obj.props.dealstage === 'closedwon')
      this.syncLifecycleOnWin(obj);
    return apiNames;
  }

  /** HubSpot's default lifecycle sync: contacts of a won deal become customers. */
  private syncLifecycleOnWin(deal: StoredObject): void {
    for (const contactId of this.store.associations.get('deals', deal.id, 'contacts')) {
      const contact = this.store.get('contacts', contactId);
      if (contact && contact.props.lifecyclestage !== 'customer') {
        this.apply('contacts', contact, { lifecyclestage: 'customer' }, 'AUTOMATION');
      }
    }
  }

  /** The admin API's `POST /__sim/edit`: acts like a person editing the record in HubSpot. */
  edit(edit: SimEdit): SimEditResult {
    const run = (type: ObjectType, id: string, input: Record<string, unknown>): SimEditResult => {
      try {
        const { changed } = this.update(type, id, input, 'CRM_UI', { allowReadOnly: true });
        return { object: type, id, changedFields: changed };
      } catch (err) {
        // The admin API answers in its own shape: unknown record 404, anything HubSpot refuses 400.
        if (err instanceof HubspotApiError)
          throw new SimEditError(
            err.status === 404 ? `no ${type} record ${id}` : err.message,
            err.status === 404 ? 404 : 400,
          );
        throw err;
      }
    };
    switch (edit.kind) {
      case 'set': {
        const type = objectTypeOf(edit.object);
        if (!type) throw new SimEditError(`unknown HubSpot object ${edit.object}`, 400);
        return run(type, edit.id, edit.fields);
      }
      case 'doNotCall':
        return run('contacts', edit.contactId, {
          [this.schema.apiName('contacts', 'dialplane_do_not_call') ?? 'dialplane_do_not_call']: edit.value,
        });
      case 'closeDeal':
        return run('deals', edit.dealId, {
          [this.schema.apiName('deals', 'dealstage') ?? 'dealstage']: edit.won ? 'closedwon' : 'closedlost',
          [this.schema.apiName('deals', 'closedate') ?? 'closedate']: new Date().toISOString(),
        });
      case 'phone':
        return run('contacts', edit.contactId, {
          [edit.field ?? this.schema.apiName('contacts', 'phone') ?? 'phone']: edit.phone,
        });
    }
  }
}
