/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query CallStart($id: ID!, $purpose: CallPurpose!) {\n  contact(id: $id) {\n    id\n    source\n    name {\n      first\n      full\n    }\n    primaryPhone\n    timeZone\n    intentStage\n    lastInteraction {\n      at\n      disposition\n      type\n    }\n    openDeal {\n      name\n      stage\n      amount\n    }\n    suppression {\n      doNotCall\n    }\n    freshness {\n      ageMs\n      stale\n    }\n    callPermission(purpose: $purpose) {\n      allowed\n      reasons\n      nextAllowedAt\n      decisionId\n    }\n  }\n}\n\nquery ContactsByPhone($phone: String!) {\n  contactsByPhone(phone: $phone) {\n    id\n    source\n    name {\n      full\n    }\n    primaryPhone\n  }\n}\n\nquery CallPermission($phone: String!, $purpose: CallPurpose!, $at: DateTime) {\n  callPermission(phone: $phone, purpose: $purpose, at: $at) {\n    allowed\n    reasons\n    nextAllowedAt\n    decisionId\n    hypothetical\n    phone\n    zones\n    suppressionLists {\n      list\n      downloadedAt\n    }\n    reassignedCheck {\n      result\n      version\n    }\n    obligations {\n      code\n      detail\n    }\n  }\n}": typeof types.CallStartDocument,
    "subscription ConsentRevocations($phones: [String!], $after: String) {\n  consentRevoked(phones: $phones, after: $after) {\n    eventId\n    phone\n    revokedAt\n    channel\n    cursor\n  }\n}": typeof types.ConsentRevocationsDocument,
};
const documents: Documents = {
    "query CallStart($id: ID!, $purpose: CallPurpose!) {\n  contact(id: $id) {\n    id\n    source\n    name {\n      first\n      full\n    }\n    primaryPhone\n    timeZone\n    intentStage\n    lastInteraction {\n      at\n      disposition\n      type\n    }\n    openDeal {\n      name\n      stage\n      amount\n    }\n    suppression {\n      doNotCall\n    }\n    freshness {\n      ageMs\n      stale\n    }\n    callPermission(purpose: $purpose) {\n      allowed\n      reasons\n      nextAllowedAt\n      decisionId\n    }\n  }\n}\n\nquery ContactsByPhone($phone: String!) {\n  contactsByPhone(phone: $phone) {\n    id\n    source\n    name {\n      full\n    }\n    primaryPhone\n  }\n}\n\nquery CallPermission($phone: String!, $purpose: CallPurpose!, $at: DateTime) {\n  callPermission(phone: $phone, purpose: $purpose, at: $at) {\n    allowed\n    reasons\n    nextAllowedAt\n    decisionId\n    hypothetical\n    phone\n    zones\n    suppressionLists {\n      list\n      downloadedAt\n    }\n    reassignedCheck {\n      result\n      version\n    }\n    obligations {\n      code\n      detail\n    }\n  }\n}": types.CallStartDocument,
    "subscription ConsentRevocations($phones: [String!], $after: String) {\n  consentRevoked(phones: $phones, after: $after) {\n    eventId\n    phone\n    revokedAt\n    channel\n    cursor\n  }\n}": types.ConsentRevocationsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CallStart($id: ID!, $purpose: CallPurpose!) {\n  contact(id: $id) {\n    id\n    source\n    name {\n      first\n      full\n    }\n    primaryPhone\n    timeZone\n    intentStage\n    lastInteraction {\n      at\n      disposition\n      type\n    }\n    openDeal {\n      name\n      stage\n      amount\n    }\n    suppression {\n      doNotCall\n    }\n    freshness {\n      ageMs\n      stale\n    }\n    callPermission(purpose: $purpose) {\n      allowed\n      reasons\n      nextAllowedAt\n      decisionId\n    }\n  }\n}\n\nquery ContactsByPhone($phone: String!) {\n  contactsByPhone(phone: $phone) {\n    id\n    source\n    name {\n      full\n    }\n    primaryPhone\n  }\n}\n\nquery CallPermission($phone: String!, $purpose: CallPurpose!, $at: DateTime) {\n  callPermission(phone: $phone, purpose: $purpose, at: $at) {\n    allowed\n    reasons\n    nextAllowedAt\n    decisionId\n    hypothetical\n    phone\n    zones\n    suppressionLists {\n      list\n      downloadedAt\n    }\n    reassignedCheck {\n      result\n      version\n    }\n    obligations {\n      code\n      detail\n    }\n  }\n}"): (typeof documents)["query CallStart($id: ID!, $purpose: CallPurpose!) {\n  contact(id: $id) {\n    id\n    source\n    name {\n      first\n      full\n    }\n    primaryPhone\n    timeZone\n    intentStage\n    lastInteraction {\n      at\n      disposition\n      type\n    }\n    openDeal {\n      name\n      stage\n      amount\n    }\n    suppression {\n      doNotCall\n    }\n    freshness {\n      ageMs\n      stale\n    }\n    callPermission(purpose: $purpose) {\n      allowed\n      reasons\n      nextAllowedAt\n      decisionId\n    }\n  }\n}\n\nquery ContactsByPhone($phone: String!) {\n  contactsByPhone(phone: $phone) {\n    id\n    source\n    name {\n      full\n    }\n    primaryPhone\n  }\n}\n\nquery CallPermission($phone: String!, $purpose: CallPurpose!, $at: DateTime) {\n  callPermission(phone: $phone, purpose: $purpose, at: $at) {\n    allowed\n    reasons\n    nextAllowedAt\n    decisionId\n    hypothetical\n    phone\n    zones\n    suppressionLists {\n      list\n      downloadedAt\n    }\n    reassignedCheck {\n      result\n      version\n    }\n    obligations {\n      code\n      detail\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ConsentRevocations($phones: [String!], $after: String) {\n  consentRevoked(phones: $phones, after: $after) {\n    eventId\n    phone\n    revokedAt\n    channel\n    cursor\n  }\n}"): (typeof documents)["subscription ConsentRevocations($phones: [String!], $after: String) {\n  consentRevoked(phones: $phones, after: $after) {\n    eventId\n    phone\n    revokedAt\n    channel\n    cursor\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;