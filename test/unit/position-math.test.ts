import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, ZERO } from '../../src/domain/decimal.ts';
import { fillLedgerEffect } from '../../src/domain/fill-ledger.ts';
import {
  FLAT,
  applyFillToPosition,
  liquidationPrice,
  unrealizedPnl,
  type PositionAmounts,
} from '../../src/domain/position-math.ts';

const price = fc.integer({ min: 1_000_00, max: 200_000_00 }).map((c) => new Decimal(c).div(100));
const qty = fc.integer({ min: 1, max: 5_000 }).map((n) => new Decimal(n).div(1000));
const fill = fc.record({ side: fc.constantFrom('buy' as const, 'sell' as const), price, quantity: qty });

describe('applyFillToPosition', () => {
  it('opens, averages, reduces and realizes PnL on a spot inventory', () => {
    let p: PositionAmounts = FLAT;
    const apply = (side: 'buy' | 'sell', px: string, q: string) =>
      applyFillToPosition(p, {
        marketType: 'spot',
        side,
        price: new Decimal(px),
        quantity: new Decimal(q),
        fee: ZERO,
        leverage: 1,
      });
    p = apply('buy', '100', '1').position;
    p = apply('buy', '200', '1').position;
    expect(p.entryPrice.toFixed()).toBe('150');
    const out = apply('sell', '180', '0.5');
    expect(out.realizedPnl.toFixed()).toBe('15');
    expect(out.position.quantity.toFixed()).toBe('1.5');
    expect(out.position.entryPrice.toFixed()).toBe('150');
    // Selling more than the inventory only closes what is held.
    const over = applyFillToPosition(out.position, {
      marketType: 'spot',
      side: 'sell',
      price: new Decimal('150'),
      quantity: new Decimal('3'),
      fee: ZERO,
      leverage: 1,
    });
    expect(over.closedQuantity.toFixed()).toBe('1.5');
    expect(over.position.quantity.toFixed()).toBe('0');
  });

  it('flips a futures position and moves margin between the sides', () => {
    const long = applyFillToPosition(FLAT, {
      marketType: 'futures',
      side: 'buy',
      price: new Decimal('100'),
      quantity: new Decimal('2'),
      fee: ZERO,
      leverage: 10,
    });
    expect(long.position.margin.toFixed()).toBe('20');
    const flip = applyFillToPosition(long.position, {
      marketType: 'futures',
      side: 'sell',
      price: new Decimal('110'),
      quantity: new Decimal('3'),
      fee: ZERO,
      leverage: 5,
    });
    expect(flip.realizedPnl.toFixed()).toBe('20');
    expect(flip.marginReleased.toFixed()).toBe('20');
    expect(flip.position).toMatchObject({ side: 'short' });
    expect(flip.position.quantity.toFixed()).toBe('1');
    expect(flip.position.margin.toFixed()).toBe('22');
    expect(flip.marginLocked.toFixed()).toBe('22');
  });

  it('computes the isolated liquidation price', () => {
    const long = {
      ...FLAT,
      side: 'long' as const,
      quantity: new Decimal(1),
      entryPrice: new Decimal(100),
      leverage: 10,
    };
    expect(liquidationPrice(long, new Decimal('0.004'))!.toFixed()).toBe('90.4');
    expect(liquidationPrice({ ...long, side: 'short' }, new Decimal('0.004'))!.toFixed()).toBe('109.6');
  });

  it('realized PnL does not depend on how a close is split into fills', () => {
    fc.assert(
      fc.property(
        price,
        qty,
        price,
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 }),
        (entry, size, exit, parts) => {
          const open = applyFillToPosition(FLAT, {
            marketType: 'futures',
            side: 'buy',
            price: entry,
            quantity: size,
            fee: ZERO,
            leverage: 3,
          }).position;
          const whole = applyFillToPosition(open, {
            marketType: 'futures',
            side: 'sell',
            price: exit,
            quantity: size,
            fee: ZERO,
            leverage: 3,
          });
          const total = parts.reduce((a, b) => a + b, 0);
          let p = open;
          let realized = ZERO;
          let left = size;
          parts.forEach((part, i) => {
            const q =
              i === parts.length - 1
                ? left
                : size.mul(part).div(total).toDecimalPlaces(3, Decimal.ROUND_DOWN);
            if (q.isZero()) return;
            const out = applyFillToPosition(p, {
              marketType: 'futures',
              side: 'sell',
              price: exit,
              quantity: q,
              fee: ZERO,
              leverage: 3,
            });
            realized = realized.plus(out.realizedPnl);
            left = left.minus(q);
            p = out.position;
          });
          expect(p.quantity.isZero()).toBe(true);
          expect(realized.toFixed()).toBe(whole.realizedPnl.toFixed());
        },
      ),
    );
  });

  it('for any fills, realized + unrealized - fees equals the change in equity, exactly', () => {
    fc.assert(
      fc.property(fc.array(fill, { minLength: 1, maxLength: 40 }), price, (fills, mark) => {
        let p: PositionAmounts = FLAT;
        let wallet = ZERO; // quote cash flow of the futures wallet: realized PnL less fees
        let feesPaid = ZERO;
        let marked = ZERO; // independent reference: every fill marked to `mark`
        for (const f of fills) {
          const fee = f.price.mul(f.quantity).mul('0.0004');
          const out = applyFillToPosition(p, {
            marketType: 'futures',
            side: f.side,
            price: f.price,
            quantity: f.quantity,
            fee,
            leverage: 5,
          });
          const effect = fillLedgerEffect({
            marketType: 'futures',
            side: f.side,
            baseAsset: 'BTC',
            quoteAsset: 'USDT',
            price: f.price,
            quantity: f.quantity,
            fee,
            feeAsset: 'USDT',
            reservedRemaining: new Decimal('1e12'),
            realizedPnl: out.realizedPnl,
            marginLocked: out.marginLocked,
            marginReleased: out.marginReleased,
          });
          wallet = wallet.plus(effect.deltas[0]!.total);
          feesPaid = feesPaid.plus(fee);
          marked = marked.plus(
            mark
              .minus(f.price)
              .mul(f.quantity)
              .mul(f.side === 'buy' ? 1 : -1),
          );
          p = out.position;
        }
        const equityChange = wallet.plus(unrealizedPnl(p, mark));
        // The position's own books agree with the wallet's cash flow...
        expect(p.realizedPnl.plus(unrealizedPnl(p, mark)).minus(feesPaid).toFixed()).toBe(
          equityChange.toFixed(),
        );
        // ...and with an independent reckoning: every fill marked to `mark`, less fees. Exact, no tolerance.
        expect(equityChange.toFixed()).toBe(marked.minus(feesPaid).toFixed());
        expect(p.fees.toFixed()).toBe(feesPaid.toFixed());
      }),
    );
  });
});
