import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type DocumentNode } from 'graphql';

/** schema/crm-contract.graphql: the SDL every CRM subgraph serves unchanged. */
export const CRM_CONTRACT_PATH = fileURLToPath(new URL('../../schema/crm-contract.graphql', import.meta.url));

let cached: DocumentNode | undefined;

export function crmContractTypeDefs(): DocumentNode {
  return (cached ??= parse(readFileSync(CRM_CONTRACT_PATH, 'utf8')));
}

/**
 * The contract as a subgraph prints it in `_service { sdl }`: what every CRM subgraph must serve,
 * byte for byte (test/crm/contract-sdl.test.ts compares the live answers with it).
 */
export function crmContractServedSdl(): string {
  // Ask the `_service` resolver itself: that is exactly what a subgraph answers.
  const schema = buildSubgraphSchema({ typeDefs: crmContractTypeDefs() });
  const field = schema.getQueryType()!.getFields()._service!;
  return (field.resolve as () => { sdl: string })().sdl;
}
