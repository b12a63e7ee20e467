import { ZERO, type Decimal } from '../domain/decimal.ts';
import type { MarketType, Side } from '../domain/order-types.ts';
import { isDenial } from '../domain/reason-codes.ts';
import { sizeOrder, type SizingMode } from '../domain/sizing.ts';
import { valueAccount } from './account-valuation.ts';
import { executeOrder } from './execute-order.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import type { SignalDecision, SignalRecord } from './store-port.ts';

export interface SignalInput {
  readonly userId: string;
  readonly accountId: string;
  readonly signalId: string;
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly side: Side;
  readonly decision: SignalDecision;
  readonly stopLoss?: Decimal;
  readonly takeProfit?: Decimal;
  readonly sizing?: { readonly mode: SizingMode; readonly rewardRisk?: Decimal };
  /** Where it came from: `api` or `webhook`. */
  readonly origin: string;
  /** The sizing as sent, kept with the signal. */
  readonly rawSizing?: unknown;
}

export interface SignalOutcome {
  readonly signal: SignalRecord;
  /** False when this signal id had been processed before: the stored outcome is returned. */
  readonly firstTime: boolean;
}

/** Without sizing, a signal trades the venue's smallest sensible size: a fixed 25 USDT. */
const DEFAULT_SIZING: SizingMode = { kind: 'fixed_quote', quoteAmount: ZERO.plus(25) };

/**
 * Signal -> analysis -> trade: `enter_trade` opens a position through executeOrder (source SIGNAL) with
 * its stop loss and take profit, sized by fixed quote, percent of equity or risk; `wait` and `bad` are
 * recorded, not traded. A signal id is processed once; its status then follows its position.
 */
export async function processSignal(deps: ExecutionDeps, input: SignalInput): Promise<SignalOutcome> {
  const received = await deps.store.transaction(input.userId, async (uow) => {
    const signal: SignalRecord = {
      id: deps.newId(),
      userId: input.userId,
      signalId: input.signalId,
      accountId: input.accountId,
      symbol: input.symbol,
      side: input.side,
      decision: input.decision,
      status: input.decision === 'enter_trade' ? 'received' : 'recorded',
      stopLoss: input.stopLoss,
      takeProfit: input.takeProfit,
      sizing: input.rawSizing,
      source: input.origin,
      message:
        input.decision === 'enter_trade' ? undefined : `Signal recorded (${input.decision}); nothing traded.`,
      createdAt: deps.now(),
    };
    if (!(await uow.insertSignal(signal)))
      return { signal: (await uow.findSignal(input.signalId))!, firstTime: false };
    await uow.publish('signal.received', { signal_id: input.signalId, decision: input.decision });
    return { signal, firstTime: true };
  });
  if (!received.firstTime || input.decision !== 'enter_trade') return received;

  const reject = async (reasonCode: string, message: string, orderId?: string): Promise<SignalOutcome> => {
    await deps.store.transaction(input.userId, async (uow) => {
      await uow.updateSignal(received.signal.id, { status: 'rejected', reasonCode, message, orderId });
      await uow.publish('signal.rejected', { signal_id: input.signalId, reason_code: reasonCode, message });
    });
    return {
      signal: { ...received.signal, status: 'rejected', reasonCode, message, orderId },
      firstTime: true,
    };
  };

  const sized = await deps.store.transaction(input.userId, async (uow) => {
    const account = await uow.lockAccount(input.accountId);
    const venue = account ? deps.venues.get(account.venue) : undefined;
    const rules = venue?.market(input.symbol, input.marketType);
    const mark = venue?.markPrice(input.symbol, input.marketType);
    if (!account || !venue || !rules || !mark) return undefined;
    const balances = await uow.balances(account.id);
    const positions = await uow.livePositions(account.id);
    const { equity } = valueAccount(venue, account, balances, positions);
    return sizeOrder({
      mode: input.sizing?.mode ?? DEFAULT_SIZING,
      rules,
      side: input.side,
      entryPrice: mark,
      atMarket: true,
      equity,
      stopLoss: input.stopLoss,
      takeProfit: input.takeProfit,
      rewardRisk: input.sizing?.rewardRisk,
      feeRate: venue.feeRates(input.symbol, input.marketType).taker,
    });
  });
  if (!sized) {
    return reject(
      'UNKNOWN_SYMBOL',
      `No market or price for ${input.symbol} (${input.marketType}) on this account.`,
    );
  }
  if (isDenial(sized)) return reject(sized.code, sized.message);

  // The exits the position will carry: as sent, or derived by the sizing (take profit from reward:risk).
  const exits = { stopLoss: sized.stopLoss, takeProfit: sized.takeProfit };
  await deps.store.transaction(input.userId, (uow) =>
    uow.updateSignal(received.signal.id, { status: 'ready', ...exits }),
  );
  const result = await executeOrder(deps, {
    userId: input.userId,
    accountId: input.accountId,
    source: 'SIGNAL',
    links: { signalId: input.signalId },
    symbol: input.symbol,
    marketType: input.marketType,
    side: input.side,
    type: 'market',
    quantity: sized.quantity,
    stopLoss: sized.stopLoss,
    takeProfit: sized.takeProfit,
  });
  const positionId = result.order?.positionId;
  if (!result.success || !positionId || !result.order || result.order.filledQuantity.isZero()) {
    return reject(result.reasonCode ?? 'EXCHANGE_ERROR', result.message, result.orderId ?? undefined);
  }
  await deps.store.transaction(input.userId, async (uow) => {
    await uow.updateSignal(received.signal.id, {
      status: 'in_position',
      positionId,
      orderId: result.orderId ?? undefined,
      message: result.message,
    });
    await uow.publish('signal.in_position', { signal_id: input.signalId, position_id: positionId });
  });
  return {
    signal: {
      ...received.signal,
      ...exits,
      status: 'in_position',
      positionId,
      orderId: result.orderId ?? undefined,
      message: result.message,
    },
    firstTime: true,
  };
}
