import type { FastifyReply } from 'fastify';
import { AppError } from '../../domain/app-error.ts';
import { toDecimal } from '../../domain/decimal.ts';
import type { MarketType } from '../../domain/order-types.ts';
import { executeOrder, type ExecutionResult } from '../../execution/execute-order.ts';
import type { OrderIntent } from '../../execution/order-intent.ts';
import { orderView } from '../../execution/order-view.ts';
import type { AccountRecord } from '../../execution/store-port.ts';
import type { AppDeps } from '../app-deps.ts';

export type DecimalInput = string | number;
export const optDecimal = (value: DecimalInput | undefined) =>
  value === undefined ? undefined : toDecimal(value);

/** The named account (404 unless it is the caller's), or the caller's first paper account of the market type. */
export async function resolveAccount(
  deps: AppDeps,
  userId: string,
  marketType: MarketType,
  accountId: string | undefined,
): Promise<AccountRecord> {
  if (accountId) {
    const account = await deps.read.findAccount(userId, accountId);
    if (!account) throw new AppError('NOT_FOUND', `Account ${accountId} not found.`);
    return account;
  }
  const accounts = await deps.read.listAccounts(userId);
  const account =
    accounts.find((a) => a.marketType === marketType && a.venue === 'paper') ??
    accounts.find((a) => a.marketType === marketType);
  if (!account) throw new AppError('NOT_FOUND', `You have no ${marketType} account. Create one first.`);
  return account;
}

const HTTP_STATUS: Readonly<Record<ExecutionResult['status'], number>> = {
  PLACED: 201,
  SKIPPED: 422,
  FAILED: 502,
};

export function executionResultBody(result: ExecutionResult) {
  return {
    success: result.success,
    status: result.status,
    order_id: result.orderId,
    exchange_order_id: result.exchangeOrderId,
    reason_code: result.reasonCode,
    message: result.message,
    order: result.order ? orderView(result.order) : null,
  };
}

/** Answers 201 PLACED / 422 SKIPPED / 502 FAILED with the execution result. */
export function replyWithResult(reply: FastifyReply, result: ExecutionResult) {
  return reply.status(HTTP_STATUS[result.status]).send(executionResultBody(result));
}

/** Runs the intent through the one execution path and answers with its result. */
export async function placeAndReply(deps: AppDeps, intent: OrderIntent, reply: FastifyReply) {
  const started = performance.now();
  const result = await executeOrder(deps.execution, intent);
  const metrics = reply.server.metrics;
  metrics.orderLatency.observe({ status: result.status }, (performance.now() - started) / 1000);
  metrics.orders.inc({ source: intent.source, status: result.status, reason: result.reasonCode ?? 'none' });
  return replyWithResult(reply, result);
}
