import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { unzipSync } from 'fflate';
import { parseDecimal, type Decimal } from '../../domain/decimal.ts';

/** One candle. Prices and volume (base asset) are exact decimals, as the file states them. */
export interface Kline {
  readonly kind: 'kline';
  readonly openTime: Date;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
  readonly volume: Decimal;
}

export interface KlineReadOptions {
  /** Stop after this many candles (the first ones in the file). */
  readonly limit?: number;
}

/** `open,high,low,close,volume,quote_volume,trades,close_datetime`, e.g. the privet1x BTCUSDT export. */
const CLOSE_TIME_COLUMNS = 8;
/** data.binance.vision: open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore */
const BINANCE_COLUMNS = 12;
/** The close-time export stamps a 1m candle's close at open + 59.999 s. */
const ONE_MINUTE_CLOSE_OFFSET_MS = 59_999;
/** Epoch milliseconds stay below this until the year 5138; anything larger is microseconds (2025+ files). */
const MICROSECONDS_THRESHOLD = 1e14;

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;
const INTEGER = /^\d+$/;

/** Reads a kline file: `.zip` (data.binance.vision archive) or `.csv` (either CSV layout, told apart by its column count). */
export function readKlineFile(path: string, options: KlineReadOptions = {}): Kline[] {
  const extension = extname(path).toLowerCase();
  if (extension === '.zip') return parseKlineZip(readFileSync(path), path, options);
  if (extension === '.csv') return parseKlineCsv(readFileSync(path, 'utf8'), path, options);
  throw new Error(
    `${path}: unsupported kline file extension ${JSON.stringify(extension)} (expected .csv or .zip)`,
  );
}

/** Every CSV inside a data.binance.vision zip, in name order. */
export function parseKlineZip(bytes: Uint8Array, source = '<zip>', options: KlineReadOptions = {}): Kline[] {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (file) => file.name.toLowerCase().endsWith('.csv') });
  } catch (error) {
    throw new Error(
      `${source}: not a readable zip archive (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const names = Object.keys(entries).sort();
  if (names.length === 0) throw new Error(`${source}: the zip holds no .csv file`);
  const decoder = new TextDecoder();
  const klines: Kline[] = [];
  for (const name of names) {
    const remaining = options.limit === undefined ? undefined : options.limit - klines.length;
    if (remaining !== undefined && remaining <= 0) break;
    const text = decoder.decode(entries[name]);
    klines.push(
      ...parseKlineCsv(text, `${source}!${name}`, remaining === undefined ? {} : { limit: remaining }),
    );
  }
  return klines;
}

/** Either CSV layout, chosen by the column count of the first row. */
export function parseKlineCsv(text: string, source = '<csv>', options: KlineReadOptions = {}): Kline[] {
  const first = text.split('\n', 1)[0] ?? '';
  const columns = first.split(',').length;
  if (columns === CLOSE_TIME_COLUMNS) return parseCloseTimeKlineCsv(text, source, options);
  if (columns === BINANCE_COLUMNS) return parseBinanceKlineCsv(text, source, options);
  if (first.trim() === '') return [];
  throw new Error(
    `${source}:1: expected ${CLOSE_TIME_COLUMNS} or ${BINANCE_COLUMNS} comma-separated columns, found ${columns}`,
  );
}

/** `open,high,low,close,volume,quote_volume,trades,close_datetime` (1-minute candles; header row optional). */
export function parseCloseTimeKlineCsv(
  text: string,
  source = '<csv>',
  options: KlineReadOptions = {},
): Kline[] {
  return parseRows(text, source, CLOSE_TIME_COLUMNS, options, (fields, where) => {
    const closeTime = parseDateTime(fields[7]!, where);
    return candle(where, new Date(closeTime - ONE_MINUTE_CLOSE_OFFSET_MS), fields.slice(0, 5));
  });
}

/** The official 12-column kline CSV (header row optional; open time in ms, or µs in newer files). */
export function parseBinanceKlineCsv(
  text: string,
  source = '<csv>',
  options: KlineReadOptions = {},
): Kline[] {
  return parseRows(text, source, BINANCE_COLUMNS, options, (fields, where) => {
    const rawTime = fields[0]!.trim();
    if (!INTEGER.test(rawTime))
      throw new Error(`${where}: open_time is not an integer: ${JSON.stringify(rawTime)}`);
    const value = Number(rawTime);
    const ms = value >= MICROSECONDS_THRESHOLD ? Math.floor(value / 1000) : value;
    return candle(where, new Date(ms), fields.slice(1, 6));
  });
}

function parseRows(
  text: string,
  source: string,
  columns: number,
  options: KlineReadOptions,
  parse: (fields: readonly string[], where: string) => Kline,
): Kline[] {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const klines: Kline[] = [];
  const lines = text.split('\n');
  const headerCandidate = lines.findIndex((line) => line.trim() !== '');
  for (let index = 0; index < lines.length && klines.length < limit; index++) {
    const line = lines[index]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const where = `${source}:${index + 1}`;
    const fields = line.split(',');
    if (index === headerCandidate && isHeader(fields)) continue;
    if (fields.length !== columns) {
      throw new Error(
        `${where}: expected ${columns} columns, found ${fields.length}: ${JSON.stringify(line)}`,
      );
    }
    klines.push(parse(fields, where));
  }
  return klines;
}

/** A header row starts with a column name, never with a number. */
function isHeader(fields: readonly string[]): boolean {
  return !/^\s*-?\d/.test(fields[0] ?? '');
}

function candle(where: string, openTime: Date, fields: readonly string[]): Kline {
  const [open, high, low, close, volume] = fields.map((field, i) =>
    decimalField(field, ['open', 'high', 'low', 'close', 'volume'][i]!, where),
  ) as [Decimal, Decimal, Decimal, Decimal, Decimal];
  if (Number.isNaN(openTime.getTime())) throw new Error(`${where}: invalid open time`);
  if (!open.gt(0) || !close.gt(0) || !low.gt(0)) throw new Error(`${where}: prices must be positive`);
  if (high.lt(low) || high.lt(open) || high.lt(close) || low.gt(open) || low.gt(close)) {
    throw new Error(
      `${where}: inconsistent candle (open ${open.toFixed()}, high ${high.toFixed()}, low ${low.toFixed()}, close ${close.toFixed()})`,
    );
  }
  if (volume.isNegative()) throw new Error(`${where}: negative volume ${volume.toFixed()}`);
  return { kind: 'kline', openTime, open, high, low, close, volume };
}

function decimalField(text: string, name: string, where: string): Decimal {
  const value = parseDecimal(text);
  if (!value) throw new Error(`${where}: ${name} is not a decimal: ${JSON.stringify(text)}`);
  return value;
}

function parseDateTime(text: string, where: string): number {
  const match = DATETIME.exec(text.trim());
  if (!match) throw new Error(`${where}: close_datetime is not a date-time: ${JSON.stringify(text)}`);
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  let epoch = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    ms,
  );
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    epoch -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  if (Number.isNaN(epoch))
    throw new Error(`${where}: close_datetime is not a date-time: ${JSON.stringify(text)}`);
  return epoch;
}
