import { Decimal, minDecimal, ZERO } from '../src/domain/decimal.ts';

export interface SpotAssetBalance {
  free: Decimal;
  locked: Decimal;
}

export interface FuturesPosition {
  /** Signed: positive long, negative short (one-way mode, positionSide BOTH). */
  amount: Decimal;
  entryPrice: Decimal;
  updateTime: number;
}

/** Default USD-M leverage of a symbol nobody has set, as on Binance. */
export const DEFAULT_FUTURES_LEVERAGE = 20;

/**
 * One simulated Binance account: its API credentials, spot assets (free and locked, as Binance reports
 * them) and USD-M cross wallet with one-way positions and a leverage per symbol. A real venue keeps the
 * books of its users, so the simulator does too: it refuses orders the account cannot pay for, which is
 * how our own reservations are tested against an independent ledger.
 */
export class SimAccount {
  readonly spot = new Map<string, SpotAssetBalance>();
  /** USD-M wallet balance per margin asset (realized PnL and fees included). */
  readonly futuresWallet = new Map<string, Decimal>();
  readonly positions = new Map<string, FuturesPosition>();
  readonly leverage = new Map<string, number>();
  updateTime = Date.now();

  constructor(
    readonly id: number,
    readonly apiKey: string,
    readonly secret: string,
  ) {}

  spotBalance(asset: string): SpotAssetBalance {
    let balance = this.spot.get(asset);
    if (!balance) this.spot.set(asset, (balance = { free: ZERO, locked: ZERO }));
    return balance;
  }

  deposit(asset: string, amount: Decimal): void {
    const balance = this.spotBalance(asset);
    balance.free = balance.free.add(amount);
    this.touch();
  }

  depositFutures(asset: string, amount: Decimal): void {
    this.futuresWallet.set(asset, this.wallet(asset).add(amount));
    this.touch();
  }

  wallet(asset: string): Decimal {
    return this.futuresWallet.get(asset) ?? ZERO;
  }

  leverageOf(symbol: string): number {
    return this.leverage.get(symbol) ?? DEFAULT_FUTURES_LEVERAGE;
  }

  /** Moves `amount` from free to locked; false (and nothing moved) when free is short. */
  lock(asset: string, amount: Decimal): boolean {
    const balance = this.spotBalance(asset);
    if (balance.free.lt(amount)) return false;
    balance.free = balance.free.sub(amount);
    balance.locked = balance.locked.add(amount);
    this.touch();
    return true;
  }

  unlock(asset: string, amount: Decimal): void {
    const balance = this.spotBalance(asset);
    const released = minDecimal(amount, balance.locked);
    balance.locked = balance.locked.sub(released);
    balance.free = balance.free.add(released);
    this.touch();
  }

  /**
   * Pays `amount` out of what an order locked (`fromLocked`, at most that much), the rest from free.
   * Returns how much came out of the lock.
   */
  spend(asset: string, amount: Decimal, fromLocked: Decimal): Decimal {
    const balance = this.spotBalance(asset);
    const locked = minDecimal(minDecimal(amount, fromLocked), balance.locked);
    balance.locked = balance.locked.sub(locked);
    balance.free = balance.free.sub(amount.sub(locked));
    this.touch();
    return locked;
  }

  credit(asset: string, amount: Decimal): void {
    const balance = this.spotBalance(asset);
    balance.free = balance.free.add(amount);
    this.touch();
  }

  position(symbol: string): FuturesPosition {
    let position = this.positions.get(symbol);
    if (!position) this.positions.set(symbol, (position = { amount: ZERO, entryPrice: ZERO, updateTime: 0 }));
    return position;
  }

  /**
   * Applies a USD-M fill to the one-way position: adds at a weighted entry price, or reduces (and maybe
   * flips) realizing PnL against the entry. The fee leaves the wallet. Returns the realized PnL.
   */
  applyFuturesFill(
    symbol: string,
    marginAsset: string,
    signedQuantity: Decimal,
    price: Decimal,
    fee: Decimal,
    time: number,
  ): Decimal {
    const position = this.position(symbol);
    let realized = ZERO;
    const current = position.amount;
    if (current.isZero() || current.isNegative() === signedQuantity.isNegative()) {
      const total = current.abs().add(signedQuantity.abs());
      position.entryPrice = current
        .abs()
        .mul(position.entryPrice)
        .add(signedQuantity.abs().mul(price))
        .div(total);
      position.amount = current.add(signedQuantity);
    } else {
      const closing = minDecimal(current.abs(), signedQuantity.abs());
      const direction = current.isNegative() ? -1 : 1;
      realized = price.sub(position.entryPrice).mul(closing).mul(direction);
      position.amount = current.add(signedQuantity);
      if (position.amount.isZero()) position.entryPrice = ZERO;
      else if (position.amount.isNegative() !== current.isNegative()) position.entryPrice = price;
    }
    position.updateTime = time;
    this.futuresWallet.set(marginAsset, this.wallet(marginAsset).add(realized).sub(fee));
    this.touch();
    return realized;
  }

  private touch(): void {
    this.updateTime = Date.now();
  }
}
