import { decimalString } from '../domain/decimal.ts';
import type { MarketType } from '../domain/order-types.ts';
import { positionDifferences, type PositionDifference } from '../domain/position-differences.ts';
import { alreadyReported } from './already-reported.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import type { AccountRecord } from './store-port.ts';
import type { VenuePosition } from './venue-port.ts';

/**
 * Compares the account's open positions with the venue's and writes one audit row per symbol that
 * differs (side or quantity), naming both. Reported only, never corrected: the venue is the truth, but
 * our position is the sum of the fills we recorded, with their prices, fees and realized PnL. Bringing it
 * to the venue's size would take the fills that made the difference (an order placed outside Fillgate
 * and already gone, a liquidation, an ADL), which we do not have; inventing one would put a made-up
 * price into PnL and the ledger. An operator finds out which it was.
 *
 * A difference is reported once it was also there, with the same figures, in the previous comparison
 * (`previous`, what the last call returned): a fill the venue made a moment ago and we are recording
 * right now (an order in flight, a resting order the tracker has yet to hear of) shows as a difference
 * once and is gone the next time. A difference already reported with the same figures is not reported
 * again.
 */
export async function comparePositions(
  deps: ExecutionDeps,
  account: AccountRecord,
  marketType: MarketType,
  venuePositions: readonly VenuePosition[],
  previous: readonly PositionDifference[],
): Promise<readonly PositionDifference[]> {
  return deps.store.transaction(account.userId, async (uow) => {
    // Lock order as everywhere: the account first, then (through the audit) the user's row.
    await uow.lockAccount(account.id);
    const ours = (await uow.livePositions(account.id)).filter((p) => p.marketType === marketType);
    const theirs = venuePositions.filter((p) => p.marketType === marketType);
    const differences = positionDifferences(ours, theirs);
    for (const difference of differences) {
      const { symbol } = difference;
      const figures = {
        ours: describe(difference.ours),
        venue: describe(difference.venue),
      };
      const before = previous.find((p) => p.symbol === symbol);
      if (!before || describe(before.ours) !== figures.ours || describe(before.venue) !== figures.venue)
        continue;
      if (await alreadyReported(uow, account.id, 'POSITION_MISMATCH', { symbol }, figures)) continue;
      await uow.appendAudit({
        accountId: account.id,
        source: 'EXTERNAL',
        status: 'SKIPPED',
        reasonCode: 'POSITION_MISMATCH',
        message: `${symbol} position on ${account.label}: ours ${figures.ours}, venue ${figures.venue}. Reported by the reconciler; positions are not changed automatically.`,
        symbol,
        requestPayload: { reconcile: 'positions', symbol },
        venueResponse: {
          symbol,
          ...figures,
          venue_position: theirs.find((p) => p.symbol === symbol)?.raw ?? null,
        },
      });
      await uow.publish('audit', { account_id: account.id, reason_code: 'POSITION_MISMATCH', symbol });
    }
    return differences;
  });
}

function describe(side: PositionDifference['ours']): string {
  return side ? `${side.side} ${decimalString(side.quantity)}` : 'flat';
}
