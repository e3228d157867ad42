import { SimEditError } from '../common/sim-server.js';
import type { SimEdit, SimEditResult } from '../common/admin-schemas.js';
import { SfError } from './sf-error.js';
import { parseRecordInput } from './record-input.js';
import type { SchemaView } from './schema-view.js';
import type { SalesforceStore } from './store.js';

/**
 * `/__sim/edit`: a person changing a record in the Salesforce UI. Goes through the same
 * validation as the API (drifted names included) and fires the same change events, with an
 * empty changeOrigin as UI edits have.
 */
export function applySalesforceEdit(edit: SimEdit, ctx: { schema: SchemaView; store: SalesforceStore }): SimEditResult {
  let object: string;
  let id: string;
  let fields: Record<string, unknown>;
  switch (edit.kind) {
    case 'set':
      object = edit.object;
      id = edit.id;
      fields = edit.fields;
      break;
    case 'doNotCall':
      object = 'Contact';
      id = edit.contactId;
      fields = { [apiName(ctx, 'Contact', 'DoNotCall')]: edit.value };
      break;
    case 'closeDeal':
      object = 'Opportunity';
      id = edit.dealId;
      fields = {
        [apiName(ctx, 'Opportunity', 'StageName')]: edit.won ? 'Closed Won' : 'Closed Lost',
        [apiName(ctx, 'Opportunity', 'CloseDate')]: new Date().toISOString().slice(0, 10),
      };
      break;
    case 'phone':
      object = 'Contact';
      id = edit.contactId;
      fields = { [edit.field ?? apiName(ctx, 'Contact', 'Phone')]: edit.phone };
      break;
  }
  const view = ctx.schema.object(object);
  if (!view) throw new SimEditError(`unknown object ${object}`, 400);
  const rec = ctx.store.get(view.def.name, id);
  if (!rec) throw new SimEditError(`no ${view.def.name} ${id}`, 404);
  try {
    const values = parseRecordInput(view, fields, 'update', ctx);
    const changed = ctx.store.update(view.def.name, rec.Id as string, values, 'ui');
    return {
      object: view.def.name,
      id: rec.Id as string,
      changedFields: changed.map((n) => view.byInternal.get(n)?.apiName ?? n),
    };
  } catch (err) {
    if (err instanceof SfError) throw new SimEditError(`${err.errorCode}: ${err.message}`, 400);
    throw err;
  }
}

function apiName(ctx: { schema: SchemaView }, object: string, internal: string): string {
  const f = ctx.schema.object(object)?.byInternal.get(internal);
  if (!f) throw new SimEditError(`${object}.${internal} is removed by schema drift`, 409);
  return f.apiName;
}
