import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import { positionDifferences, type HeldPosition } from '../../src/domain/position-differences.ts';

const held = (symbol: string, side: 'long' | 'short', quantity: string): HeldPosition => ({
  symbol,
  side,
  quantity: new Decimal(quantity),
});
const plain = (differences: ReturnType<typeof positionDifferences>) =>
  differences.map((d) => ({
    symbol: d.symbol,
    ours: d.ours && `${d.ours.side} ${d.ours.quantity.toFixed()}`,
    venue: d.venue && `${d.venue.side} ${d.venue.quantity.toFixed()}`,
  }));

describe('position differences', () => {
  it('equal positions (however the quantity is written) and flat ones on both sides are no difference', () => {
    expect(
      positionDifferences(
        [held('BTCUSDT', 'long', '0.0030'), held('XRPUSDT', 'long', '0')],
        [held('BTCUSDT', 'long', '0.003'), held('ETHUSDT', 'short', '0')],
      ),
    ).toEqual([]);
  });

  it('names every symbol that differs in quantity or side, or is open on one side only, by symbol', () => {
    expect(
      plain(
        positionDifferences(
          [held('SOLUSDT', 'long', '2'), held('BTCUSDT', 'long', '0.003'), held('ETHUSDT', 'long', '1')],
          [held('BTCUSDT', 'long', '0.002'), held('ETHUSDT', 'short', '1'), held('XRPUSDT', 'short', '10')],
        ),
      ),
    ).toEqual([
      { symbol: 'BTCUSDT', ours: 'long 0.003', venue: 'long 0.002' },
      { symbol: 'ETHUSDT', ours: 'long 1', venue: 'short 1' },
      { symbol: 'SOLUSDT', ours: 'long 2', venue: undefined },
      { symbol: 'XRPUSDT', ours: undefined, venue: 'short 10' },
    ]);
  });
});
