import { describe, expect, it } from 'vitest';
import { Decimal, ZERO } from '../../src/domain/decimal.ts';
import { fillLedgerEffect, fillPositionTerms, type FillFeeInput } from '../../src/domain/fill-ledger.ts';

const spotBuy: FillFeeInput = {
  marketType: 'spot',
  side: 'buy',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  price: new Decimal('60000'),
  quantity: new Decimal('0.01'),
  fee: new Decimal('0.00001'),
  feeAsset: 'BTC',
};
const noFutures = { realizedPnl: ZERO, marginLocked: ZERO, marginReleased: ZERO };

function byAsset(effect: ReturnType<typeof fillLedgerEffect>): Record<string, [string, string]> {
  return Object.fromEntries(
    effect.deltas.map((d) => [d.asset, [d.total.toFixed(), d.reserved.toFixed()] as [string, string]]),
  );
}

describe('fill ledger: the fee leaves the asset the venue charged it in', () => {
  it('spot buy, commission in base (Binance): pays the notional, receives quantity less the fee', () => {
    const effect = fillLedgerEffect({ ...spotBuy, ...noFutures, reservedRemaining: new Decimal('700') });
    expect(byAsset(effect)).toEqual({ USDT: ['-600', '-600'], BTC: ['0.00999', '0'] });
    expect(effect.reservationConsumed.toFixed()).toBe('600');
    expect(fillPositionTerms(spotBuy).quantity.toFixed()).toBe('0.00999');
    expect(fillPositionTerms(spotBuy).feeInQuote.toFixed()).toBe('0.6');
  });

  it('spot buy, commission in quote: the reservation covers notional and fee', () => {
    const input = { ...spotBuy, fee: new Decimal('0.6'), feeAsset: 'USDT' };
    const effect = fillLedgerEffect({ ...input, ...noFutures, reservedRemaining: new Decimal('700') });
    expect(byAsset(effect)).toEqual({ USDT: ['-600.6', '-600.6'], BTC: ['0.01', '0'] });
    expect(fillPositionTerms(input)).toEqual({ quantity: input.quantity, feeInQuote: input.fee });
  });

  it('spot sell, commission in quote: receives the notional less the fee', () => {
    const input = { ...spotBuy, side: 'sell' as const, fee: new Decimal('0.6'), feeAsset: 'USDT' };
    const effect = fillLedgerEffect({ ...input, ...noFutures, reservedRemaining: new Decimal('0.01') });
    expect(byAsset(effect)).toEqual({ BTC: ['-0.01', '-0.01'], USDT: ['599.4', '0'] });
    expect(fillPositionTerms(input).quantity.toFixed()).toBe('0.01');
  });

  it('a third-asset fee (BNB) moves that balance and is not valued in PnL', () => {
    const input = { ...spotBuy, fee: new Decimal('0.0012'), feeAsset: 'BNB' };
    const effect = fillLedgerEffect({ ...input, ...noFutures, reservedRemaining: new Decimal('700') });
    expect(byAsset(effect)).toEqual({ USDT: ['-600', '-600'], BTC: ['0.01', '0'], BNB: ['-0.0012', '0'] });
    expect(fillPositionTerms(input).feeInQuote.toFixed()).toBe('0');
    expect(fillPositionTerms(input).quantity.toFixed()).toBe('0.01');
  });

  it('futures: wallet moves by realized PnL less the fee, margin moves from the order to the position', () => {
    const effect = fillLedgerEffect({
      ...spotBuy,
      marketType: 'futures',
      fee: new Decimal('0.24'),
      feeAsset: 'USDT',
      reservedRemaining: new Decimal('100'),
      realizedPnl: new Decimal('5'),
      marginLocked: new Decimal('60'),
      marginReleased: ZERO,
    });
    // 60.24 leaves the reservation: 60 becomes position margin (still reserved), 0.24 is paid.
    expect(byAsset(effect)).toEqual({ USDT: ['4.76', '-0.24'] });
    expect(effect.reservationConsumed.toFixed()).toBe('60.24');
  });
});
