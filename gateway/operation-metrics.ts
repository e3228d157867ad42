import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** Operation names are client-chosen: bound the label set so a client cannot explode the series. */
const MAX_OPERATION_LABELS = 200;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface OperationRecorder {
  /** Records one operation answered outside Apollo's pipeline (the CRM fast path's entry before Apollo). */
  record(
    operationName: string | undefined,
    type: string,
    seconds: number,
    errors: readonly GraphQLFormattedError[] | undefined,
    context?: { log?: Logger },
  ): void;
  /** The Apollo plugin recording every operation Apollo answers. */
  plugin: ApolloServerPlugin<BaseContext>;
}

/** Per-operation latency and error counts, and one warn line per failed operation (codes only). */
export function operationMetrics(metrics: GatewayMetrics, log: Logger): OperationRecorder {
  const seen = new Set<string>();
  const label = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!NAME.test(name)) return 'invalid';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_LABELS) return 'other';
    seen.add(name);
    return name;
  };
  const record: OperationRecorder['record'] = (operationName, type, seconds, errors, context) => {
    const name = label(operationName);
    metrics.operationSeconds.observe({ operation: name, type }, seconds);
    if (errors?.length) {
      const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR)))];
      metrics.operationErrors.inc({ operation: name, code: codes[0]! });
      (context?.log ?? log).warn({ operation: name, codes }, 'operation answered with errors');
    }
  };
  return {
    record,
    plugin: {
      async requestDidStart() {
        const started = performance.now();
        return {
          async willSendResponse({ operationName, operation, errors: pipelineErrors, contextValue, response }) {
            // Answers produced by a plugin (the CRM fast path) carry their errors only in the body.
            const errors =
              pipelineErrors ?? (response.body.kind === 'single' ? response.body.singleResult.errors : undefined);
            record(
              operationName ?? undefined,
              operation?.operation ?? 'unknown',
              (performance.now() - started) / 1000,
              errors,
              contextValue as { log?: Logger },
            );
          },
        };
      },
    },
  };
}
