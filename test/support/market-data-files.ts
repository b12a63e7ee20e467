import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The real Binance data beside the project (`../shared/marketdata`), read in place; absent on a bare clone. */
export const MARKETDATA_DIR =
  process.env.FILLGATE_MARKETDATA_DIR ?? path.resolve(process.cwd(), '../shared/marketdata');
export const KLINES_DIR = path.join(MARKETDATA_DIR, 'klines');
export const EXCHANGE_INFO_DIR = path.join(MARKETDATA_DIR, 'exchange_info');

/** The 29-day BTCUSDT 1m spot CSV, when present. */
export const BTC_CSV: string | undefined = existsSync(KLINES_DIR)
  ? readdirSync(KLINES_DIR)
      .filter((name) => /^BTCUSDT_1m_spot_.*\.csv$/.test(name))
      .map((name) => path.join(KLINES_DIR, name))[0]
  : undefined;
