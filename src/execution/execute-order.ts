import { AppError } from '../domain/app-error.ts';
import { ZERO, decimalString, type Decimal } from '../domain/decimal.ts';
import type { MarketRules } from '../domain/market-rules.ts';
import type { AuditStatus } from '../domain/order-types.ts';
import { checkFreeBalance, preflight, type OrderPlan } from '../domain/preflight.ts';
import { deny, isDenial, type Denial, type ReasonCode } from '../domain/reason-codes.ts';
import { DEFAULT_RISK_LIMITS } from '../domain/risk-limits.ts';
import { evaluateRisk } from '../domain/risk-rules.ts';
import { startOfUtcDay } from './account-valuation.ts';
import { haltOnBreach } from './halt-on-breach.ts';
import { buildRiskContext } from './risk-context.ts';
import { applyVenueSnapshot, transitionOrderRecord } from './apply-venue-snapshot.ts';
import { clientOrderIdFor, intentHash, intentPayload, type OrderIntent } from './order-intent.ts';
import { orderView } from './order-view.ts';
import type { AccountRecord, OrderRecord, UnitOfWork } from './store-port.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import type { VenuePort, VenueSubmitResult } from './venue-port.ts';

/** The answer to every order-placing call: `PLACED` if and only if the venue gave an order id. */
export interface ExecutionResult {
  readonly success: boolean;
  readonly status: AuditStatus;
  readonly orderId: string | null;
  readonly exchangeOrderId: string | null;
  readonly reasonCode: ReasonCode | null;
  readonly message: string;
  readonly order?: OrderRecord;
}

type Admission =
  | { readonly kind: 'done'; readonly result: ExecutionResult }
  | {
      readonly kind: 'admitted';
      readonly order: OrderRecord;
      readonly rules: MarketRules;
      readonly venue: VenuePort;
    };

function skipped(denial: Denial): ExecutionResult {
  return {
    success: false,
    status: 'SKIPPED',
    orderId: null,
    exchangeOrderId: null,
    reasonCode: denial.code,
    message: denial.message,
  };
}

/** The stored outcome of an earlier attempt with the same client order id. */
export function resultFromOrder(order: OrderRecord): ExecutionResult {
  if (order.venueOrderId) {
    return {
      success: true,
      status: 'PLACED',
      orderId: order.id,
      exchangeOrderId: order.venueOrderId,
      reasonCode: null,
      message: `Order ${order.status.toLowerCase()} at ${order.venue} (exchange order ${order.venueOrderId}).`,
      order,
    };
  }
  return {
    success: false,
    status: 'FAILED',
    orderId: order.id,
    exchangeOrderId: null,
    reasonCode: (order.reasonCode as ReasonCode | undefined) ?? 'OUTCOME_UNKNOWN',
    message: order.message ?? `Order is ${order.status}; its outcome at the venue is not confirmed yet.`,
    order,
  };
}

async function recordSkip(
  uow: UnitOfWork,
  intent: OrderIntent,
  denial: Denial,
  account: AccountRecord | undefined,
): Promise<ExecutionResult> {
  const details = denial.details ?? {};
  const figure = (key: string): Decimal | undefined =>
    details[key] === undefined ? undefined : toDec(details[key]);
  const audit = await uow.appendAudit({
    accountId: account?.id,
    source: intent.source,
    status: 'SKIPPED',
    reasonCode: denial.code,
    message: denial.message,
    symbol: intent.symbol,
    side: intent.side,
    minNotional: figure('min_notional'),
    availableBalance: figure('available'),
    requiredBalance: figure('required'),
    requestPayload: intentPayload(intent),
  });
  await uow.publish('audit', {
    id: audit.id,
    status: audit.status,
    reason_code: denial.code,
    message: denial.message,
  });
  return skipped(denial);
}

function toDec(value: string | undefined): Decimal | undefined {
  if (value === undefined) return undefined;
  try {
    return ZERO.plus(value);
  } catch {
    return undefined;
  }
}

async function admit(
  deps: ExecutionDeps,
  uow: UnitOfWork,
  intent: OrderIntent,
  requestHash: string,
  orderId: string,
): Promise<Admission> {
  let account = await uow.lockAccount(intent.accountId);
  if (!account) {
    const denial = deny(
      'ACCOUNT_NOT_FOUND',
      `Account ${intent.accountId} not found. List your accounts with GET /api/v1/accounts.`,
    );
    return { kind: 'done', result: await recordSkip(uow, intent, denial, undefined) };
  }
  if (intent.clientOrderId) {
    const existing = await uow.findOrderByClientId(account.id, intent.clientOrderId);
    if (existing) {
      if (existing.requestHash !== requestHash) {
        throw new AppError(
          'IDEMPOTENCY_CONFLICT',
          `client_order_id ${intent.clientOrderId} was already used for a different order. Use a new client_order_id.`,
          { order_id: existing.id },
        );
      }
      return { kind: 'done', result: resultFromOrder(existing) };
    }
  }
  const venue = deps.venues.get(account.venue);
  if (!venue)
    throw new AppError('SERVICE_UNAVAILABLE', `Venue ${account.venue} is not configured on this server.`);
  const blocked = deps.tradingGate?.blockedReason(account.venue);
  if (blocked) throw new AppError('SERVICE_UNAVAILABLE', blocked, { venue: account.venue });

  account = await resumeAtNewDay(deps, uow, account);
  const denial = checkAccount(account, intent);
  if (denial) return { kind: 'done', result: await recordSkip(uow, intent, denial, account) };

  const rules = venue.market(intent.symbol, intent.marketType);
  const planned = preflight({
    rules,
    symbol: intent.symbol,
    marketType: intent.marketType,
    side: intent.side,
    type: intent.type,
    timeInForce: intent.timeInForce ?? 'GTC',
    quantity: intent.quantity,
    quoteQuantity: intent.quoteQuantity,
    price: intent.price,
    stopPrice: intent.stopPrice,
    leverage: intent.leverage,
    reduceOnly: intent.reduceOnly ?? false,
    markPrice: venue.markPrice(intent.symbol, intent.marketType),
    takerFeeRate: rules ? venue.feeRates(intent.symbol, intent.marketType).taker : ZERO,
    marketSlippage: deps.marketSlippage,
  });
  if (isDenial(planned)) return { kind: 'done', result: await recordSkip(uow, intent, planned, account) };

  const riskDenial = await checkRisk(deps, uow, venue, account, intent, planned);
  if (riskDenial) return { kind: 'done', result: await recordSkip(uow, intent, riskDenial, account) };

  const planDenial = await checkPlan(uow, account, intent, planned);
  if (planDenial) return { kind: 'done', result: await recordSkip(uow, intent, planDenial, account) };

  const now = deps.now();
  const order: OrderRecord = {
    id: orderId,
    userId: intent.userId,
    accountId: account.id,
    venue: account.venue,
    clientOrderId: intent.clientOrderId ?? clientOrderIdFor(orderId),
    source: intent.source,
    symbol: intent.symbol,
    marketType: intent.marketType,
    side: intent.side,
    type: intent.type,
    timeInForce: intent.type === 'market' ? 'IOC' : (intent.timeInForce ?? 'GTC'),
    quantity: planned.quantity,
    price: planned.price,
    stopPrice: planned.stopPrice,
    protectionPrice: planned.protectionPrice,
    stopLoss: intent.stopLoss,
    takeProfit: intent.takeProfit,
    leverage: planned.leverage,
    reduceOnly: intent.reduceOnly ?? false,
    status: 'PENDING_SUBMIT',
    filledQuantity: ZERO,
    fees: ZERO,
    reserveAsset: planned.reserveAsset,
    reservedRemaining: planned.reserveAmount,
    requestHash,
    ...intent.links,
    createdAt: now,
    updatedAt: now,
  };
  await uow.adjustBalance(account.id, planned.reserveAsset, ZERO, planned.reserveAmount);
  await uow.insertOrder(order);
  await uow.appendOrderEvent({
    orderId: order.id,
    kind: 'APPROVED',
    toStatus: 'PENDING_SUBMIT',
    detail: { reserved: decimalString(planned.reserveAmount), asset: planned.reserveAsset },
  });
  await uow.publish('order.created', orderView(order));
  return { kind: 'admitted', order, rules: planned.rules, venue };
}

/** Account-level gates that do not depend on the market rules. */
function checkAccount(account: AccountRecord, intent: OrderIntent): Denial | undefined {
  if (account.marketType !== intent.marketType) {
    return deny(
      'INVALID_ORDER',
      `Account ${account.label} trades ${account.marketType}, not ${intent.marketType}. Choose a ${intent.marketType} account or change market_type.`,
    );
  }
  if (account.tradingState === 'HALTED' && intent.purpose !== 'protective_exit') {
    return deny(
      'TRADING_HALTED',
      `Trading is halted on account ${account.label}${account.haltReason ? ` (${account.haltReason})` : ''}. Release the halt before placing orders.`,
      { halt_reason: account.haltReason ?? '' },
    );
  }
  return undefined;
}

/** A daily-loss halt lifts itself at the first order of the next UTC day. */
async function resumeAtNewDay(
  deps: ExecutionDeps,
  uow: UnitOfWork,
  account: AccountRecord,
): Promise<AccountRecord> {
  const now = deps.now();
  if (
    account.tradingState !== 'HALTED' ||
    !account.resumeNextDay ||
    !account.haltedAt ||
    account.haltedAt >= startOfUtcDay(now)
  ) {
    return account;
  }
  await uow.setTradingState(account.id, 'ACTIVE', undefined, false);
  await uow.publish('risk.resumed', { account_id: account.id, previous_reason: account.haltReason ?? null });
  return {
    ...account,
    tradingState: 'ACTIVE',
    haltReason: undefined,
    haltedAt: undefined,
    resumeNextDay: false,
  };
}

/**
 * The account's risk limits against the account as it stands with this order added, under the account
 * lock. A breached daily-loss or drawdown limit halts the account first (with its own audit row).
 */
async function checkRisk(
  deps: ExecutionDeps,
  uow: UnitOfWork,
  venue: VenuePort,
  account: AccountRecord,
  intent: OrderIntent,
  plan: OrderPlan,
): Promise<Denial | undefined> {
  const limits = (await uow.riskLimits(account.id)) ?? DEFAULT_RISK_LIMITS;
  const { context, equity } = await buildRiskContext(
    uow,
    venue,
    account,
    intent,
    plan,
    deps.now(),
    limits.duplicateWindowS,
  );
  if (!account.equityPeak || equity.greaterThan(account.equityPeak))
    await uow.setEquityPeak(account.id, equity);
  let tradingState = context.tradingState;
  const breach = await haltOnBreach(uow, account, context, limits, intent.source);
  if (breach) {
    if (intent.purpose !== 'protective_exit') return deny(breach.code, breach.message, breach.details);
    tradingState = 'HALTED';
  }
  // A protective exit still leaves a halted account, as long as it only reduces risk.
  if (tradingState === 'HALTED' && intent.purpose === 'protective_exit') tradingState = 'REDUCING';
  return evaluateRisk({ ...context, tradingState }, limits);
}

/** Gates that need the plan: reduce-only coverage, open-order count, free balance (under the account lock). */
async function checkPlan(
  uow: UnitOfWork,
  account: AccountRecord,
  intent: OrderIntent,
  plan: OrderPlan,
): Promise<Denial | undefined> {
  if (intent.reduceOnly) {
    const position = await uow.lockLivePosition(account.id, intent.symbol, intent.marketType);
    const reducible =
      position && position.side !== (intent.side === 'buy' ? 'long' : 'short') ? position.quantity : ZERO;
    if (reducible.lessThan(plan.quantity)) {
      return deny(
        'NO_POSITION_TO_REDUCE',
        `Reduce-only ${intent.side} of ${decimalString(plan.quantity)} ${intent.symbol} exceeds the open position (${decimalString(reducible)}). Reduce the quantity or drop reduce_only.`,
        { position: decimalString(reducible), quantity: decimalString(plan.quantity) },
      );
    }
  }
  const maxOrders = plan.rules.maxNumOrders;
  if (maxOrders !== undefined && intent.type !== 'market') {
    const working = await uow.countWorkingOrders(account.id, intent.symbol, intent.marketType);
    if (working >= maxOrders) {
      return deny(
        'MAX_NUM_ORDERS',
        `${intent.symbol} already has ${working} open orders, the venue's maximum of ${maxOrders}. Cancel some first.`,
      );
    }
  }
  const balance = (await uow.balances(account.id)).find((b) => b.asset === plan.reserveAsset);
  const free = balance ? balance.total.minus(balance.reserved) : ZERO;
  return checkFreeBalance(plan, free);
}

async function submitToVenue(
  venue: VenuePort,
  order: OrderRecord,
  submitWindowMs: number | undefined,
): Promise<VenueSubmitResult> {
  try {
    return await venue.submit({
      accountRef: order.accountId,
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      marketType: order.marketType,
      side: order.side,
      type: order.type,
      timeInForce: order.timeInForce,
      quantity: order.quantity,
      price: order.price,
      stopPrice: order.stopPrice,
      protectionPrice: order.protectionPrice,
      reduceOnly: order.reduceOnly,
      leverage: order.marketType === 'futures' ? order.leverage : undefined,
      ...(submitWindowMs !== undefined && {
        sendBy: new Date(order.updatedAt.getTime() + submitWindowMs),
      }),
    });
  } catch (error) {
    // An adapter is supposed to classify every failure; anything that escapes is of unknown outcome.
    return { kind: 'unknown', message: error instanceof Error ? error.message : String(error) };
  }
}

async function recordSubmission(
  deps: ExecutionDeps,
  uow: UnitOfWork,
  requestPayload: unknown,
  admitted: { order: OrderRecord; rules: MarketRules },
  result: VenueSubmitResult,
): Promise<ExecutionResult> {
  await uow.lockAccount(admitted.order.accountId);
  const order = await uow.lockOrder(admitted.order.id);
  if (!order)
    throw new AppError(
      'INTERNAL',
      `order ${admitted.order.id} vanished before its venue answer was recorded`,
    );
  const base = {
    accountId: order.accountId,
    orderId: order.id,
    source: order.source,
    symbol: order.symbol,
    side: order.side,
    requestPayload,
  };

  if (result.kind === 'accepted') {
    const { order: updated } = await applyVenueSnapshot(
      uow,
      { rules: admitted.rules, newId: deps.newId, now: deps.now },
      order,
      result.order,
    );
    const message =
      updated.status === 'EXPIRED' && updated.filledQuantity.isZero()
        ? `Order accepted by ${order.venue} but expired unfilled (not enough liquidity within the price protection). Try a smaller size or a limit order.`
        : `Order ${updated.status.toLowerCase()} at ${order.venue}: ${decimalString(updated.filledQuantity)} of ${decimalString(updated.quantity)} ${order.symbol} filled.`;
    await uow.appendAudit({
      ...base,
      status: 'PLACED',
      message,
      venueResponse: result.order.raw ?? {
        status: result.order.status,
        venue_order_id: result.order.venueOrderId,
      },
      exchangeOrderId: result.order.venueOrderId,
    });
    await uow.publish('audit', { order_id: order.id, status: 'PLACED' });
    return {
      success: true,
      status: 'PLACED',
      orderId: order.id,
      exchangeOrderId: result.order.venueOrderId,
      reasonCode: null,
      message,
      order: updated,
    };
  }

  const reasonCode: ReasonCode = result.kind === 'rejected' ? 'EXCHANGE_ERROR' : 'OUTCOME_UNKNOWN';
  const message =
    result.kind === 'rejected'
      ? `${order.venue} rejected the order (${result.code}: ${result.message}). Check the order against the venue's rules and your balance there.`
      : `${order.venue} did not confirm the order (${result.message}). It is held as UNKNOWN and will be resolved from the venue's records; do not resend it.`;
  const status = await transitionOrderRecord(
    uow,
    order,
    result.kind === 'rejected' ? { kind: 'rejected' } : { kind: 'outcome_unknown' },
    { message: result.message },
  );
  let reservedRemaining = order.reservedRemaining;
  if (status === 'REJECTED' && !reservedRemaining.isZero()) {
    await uow.adjustBalance(order.accountId, order.reserveAsset, ZERO, reservedRemaining.neg());
    reservedRemaining = ZERO;
  }
  await uow.updateOrder(order.id, { status, reasonCode, message, reservedRemaining });
  const updated: OrderRecord = {
    ...order,
    status,
    reasonCode,
    message,
    reservedRemaining,
    updatedAt: deps.now(),
  };
  await uow.appendAudit({
    ...base,
    status: 'FAILED',
    reasonCode,
    message,
    venueResponse: result.raw ?? { kind: result.kind, message: result.message },
  });
  await uow.publish('order.updated', orderView(updated));
  return {
    success: false,
    status: 'FAILED',
    orderId: order.id,
    exchangeOrderId: null,
    reasonCode,
    message,
    order: updated,
  };
}

/**
 * The only way an order reaches a venue (DESIGN §2): idempotency, preflight, reservation and persistence
 * in one transaction under the account lock, submission, and the venue's answer recorded with its audit row.
 */
export async function executeOrder(deps: ExecutionDeps, intent: OrderIntent): Promise<ExecutionResult> {
  const requestHash = intentHash(intent);
  const orderId = deps.newId();
  // Held from before the order is visible: the reconciler must never see it PENDING_SUBMIT unheld.
  return deps.submissions.around(orderId, async () => {
    const admission = await deps.store.transaction(intent.userId, (uow) =>
      admit(deps, uow, intent, requestHash, orderId),
    );
    if (admission.kind === 'done') return admission.result;
    return submitAdmittedOrder(deps, admission, intentPayload(intent));
  });
}

/**
 * Sends an order that is PENDING_SUBMIT and records the venue's answer. The first submission comes from
 * executeOrder; a resend (same client order id) only from resolveOrderWithVenue once the venue proved it
 * never saw the order.
 */
export async function submitAdmittedOrder(
  deps: ExecutionDeps,
  admitted: { readonly order: OrderRecord; readonly rules: MarketRules; readonly venue: VenuePort },
  requestPayload: unknown,
): Promise<ExecutionResult> {
  return deps.submissions.around(admitted.order.id, async () => {
    const result = await submitToVenue(admitted.venue, admitted.order, deps.submitWindowMs);
    if (result.kind !== 'accepted') {
      deps.onVenueError?.(
        admitted.venue.id,
        result.kind === 'unknown'
          ? 'outcome_unknown'
          : result.retryable
            ? 'retryable'
            : 'definitely_rejected',
      );
    }
    return deps.store.transaction(admitted.order.userId, (uow) =>
      recordSubmission(deps, uow, requestPayload, admitted, result),
    );
  });
}
