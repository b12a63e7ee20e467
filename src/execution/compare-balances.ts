import { ZERO, decimalString, type Decimal } from '../domain/decimal.ts';
import { alreadyReported } from './already-reported.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import type { AccountRecord } from './store-port.ts';

export interface BalanceDifference {
  readonly asset: string;
  readonly ours: Decimal;
  readonly venue: Decimal;
}

/**
 * Compares the account's ledger with the venue's balances and writes one audit row per asset that
 * differs. The ledger is not overwritten: a difference is a transfer or a trade made outside Fillgate, a
 * fill still being recorded, or a bug, and only an operator can tell which. A difference already reported with the same figures is not reported again.
 */
export async function compareBalances(
  deps: ExecutionDeps,
  account: AccountRecord,
  venueBalances: ReadonlyMap<string, Decimal>,
): Promise<readonly BalanceDifference[]> {
  return deps.store.transaction(account.userId, async (uow) => {
    // Lock order as everywhere: the account first, then (through the audit) the user's row.
    await uow.lockAccount(account.id);
    const ours = new Map((await uow.balances(account.id)).map((b) => [b.asset, b.total]));
    const assets = new Set([...ours.keys(), ...venueBalances.keys()]);
    const differences: BalanceDifference[] = [];
    for (const asset of [...assets].sort()) {
      const mine = ours.get(asset) ?? ZERO;
      const theirs = venueBalances.get(asset) ?? ZERO;
      if (mine.equals(theirs)) continue;
      const difference = { asset, ours: mine, venue: theirs };
      differences.push(difference);
      const figures = { venue_total: decimalString(theirs), ledger_total: decimalString(mine) };
      if (await alreadyReported(uow, account.id, 'BALANCE_MISMATCH', { asset }, figures)) continue;
      await uow.appendAudit({
        accountId: account.id,
        source: 'EXTERNAL',
        status: 'SKIPPED',
        reasonCode: 'BALANCE_MISMATCH',
        message: `${asset} on ${account.label}: ledger ${decimalString(mine)}, venue ${decimalString(theirs)} (difference ${decimalString(theirs.minus(mine))}). Reported by the reconciler; the ledger is not changed automatically.`,
        requestPayload: { reconcile: 'balances', asset },
        venueResponse: { asset, ...figures },
      });
      await uow.publish('audit', { account_id: account.id, reason_code: 'BALANCE_MISMATCH', asset });
    }
    return differences;
  });
}
