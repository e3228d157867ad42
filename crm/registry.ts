import type { CrmWriter } from '../shared/crm/writer.js';
import { hubspotCrm } from './hubspot/index.js';
import type { CrmClientEnv, CrmModule } from './module.js';
import { salesforceCrm } from './salesforce/index.js';

/**
 * THE list of CRMs dialplane speaks to. Everything that iterates over CRMs (the write-back queues
 * and writers, the engagement API's CRM filter, global id prefixes, mapping:check, the audit)
 * reads it from here. Adding a CRM is its folder crm/<name>/, one line below and its docs table
 * (docs/adding-a-crm.md).
 */
export const CRM_MODULES = [salesforceCrm, hubspotCrm] as const;

export type CrmName = (typeof CRM_MODULES)[number]['name'];
export const CRM_NAMES: readonly [CrmName, ...CrmName[]] = [
  CRM_MODULES[0].name,
  ...CRM_MODULES.slice(1).map((m) => m.name),
];

type ModuleOf<N extends CrmName> = Extract<(typeof CRM_MODULES)[number], { readonly name: N }>;
/** The account type of one CRM (SalesforceAccount, HubspotAccount). */
export type AccountOf<N extends CrmName> = ModuleOf<N> extends CrmModule<N, infer A> ? A : never;
/** One account per CRM: the deployment connections. */
export type CrmAccounts = { [N in CrmName]: AccountOf<N> };

export function isCrmName(value: string): value is CrmName {
  return (CRM_NAMES as readonly string[]).includes(value);
}

export function crmModule<N extends CrmName>(name: N): CrmModule<N, AccountOf<N>> {
  const found = CRM_MODULES.find((m) => m.name === name);
  if (!found) throw new Error(`unknown CRM ${name}`);
  return found as unknown as CrmModule<N, AccountOf<N>>;
}

/** Every CRM's deployment connection from the validated env (each CRM's one credential parser). */
export function crmAccountsFromEnv(env: CrmClientEnv): CrmAccounts {
  return Object.fromEntries(CRM_MODULES.map((m) => [m.name, m.accountFromEnv(env)])) as CrmAccounts;
}

/** One writer per CRM for the deployment connections (the write-back worker's default). */
export function createCrmWriters(accounts: CrmAccounts): Record<CrmName, CrmWriter> {
  return Object.fromEntries(
    CRM_NAMES.map((name) => [name, (crmModule(name) as CrmModule<CrmName, unknown>).createWriter(accounts[name])]),
  ) as Record<CrmName, CrmWriter>;
}
