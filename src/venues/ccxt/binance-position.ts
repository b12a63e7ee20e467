import { ZERO } from '../../domain/decimal.ts';
import type { VenuePosition } from '../../execution/venue-port.ts';
import { decimalOf, text, type RawRecord } from './binance-order-snapshot.ts';

/**
 * One USD-M `positionRisk` row as an open position, or none when it is flat. In one-way mode
 * (positionSide BOTH) the sign of positionAmt is the side; in hedge mode positionSide names it.
 */
export function positionFromBinance(raw: RawRecord): VenuePosition[] {
  const symbol = text(raw, 'symbol');
  const amount = decimalOf(raw, 'positionAmt');
  if (symbol === undefined || amount.isZero()) return [];
  const declared = text(raw, 'positionSide');
  const side =
    declared === 'LONG'
      ? 'long'
      : declared === 'SHORT'
        ? 'short'
        : amount.greaterThan(ZERO)
          ? 'long'
          : 'short';
  return [{ symbol, marketType: 'futures', side, quantity: amount.abs(), raw }];
}
