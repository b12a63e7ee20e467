import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  parseBinanceKlineCsv,
  parseCloseTimeKlineCsv,
  parseKlineCsv,
  parseKlineZip,
  readKlineFile,
  type Kline,
} from '../../src/venues/market-data/kline-file.ts';
import { BTC_CSV, KLINES_DIR } from '../support/market-data-files.ts';

const VISION_DIR = path.join(KLINES_DIR, 'data.binance.vision_MIT_hal9000cc');
const FUTURES_ZIP = path.join(VISION_DIR, 'um_futures', 'BTCUSDT-1m-2022-09-05.zip');
const SPOT_ZIP = path.join(VISION_DIR, 'spot', 'ETHUSDT-1m-2022-08-14.zip');

const CLOSE_TIME_CSV = [
  'open,high,low,close,volume,quote_volume,trades,close_datetime',
  '96466.11,96495.52,96440.0,96440.0,6.6158,638250.2950308,3577,2024-12-01 00:00:59.999000+01:00',
  '96440.01,96454.62,96422.0,96454.62,7.0222,677202.9744168,2318,2024-12-01 00:01:59.999000+01:00',
  '',
].join('\n');

const VISION_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
const VISION_ROWS = [
  '1662336000000,19992.70,20000.00,19988.10,19996.80,482.638,1662336059999,9650791.43440,4263,302.950,6057727.57980,0',
  '1662336060000,19996.70,20001.50,19985.90,19986.00,701.730,1662336119999,14032573.48430,3690,368.935,7378310.41410,0',
];

const plain = (kline: Kline) => ({
  openTime: kline.openTime.toISOString(),
  open: kline.open.toFixed(),
  high: kline.high.toFixed(),
  low: kline.low.toFixed(),
  close: kline.close.toFixed(),
  volume: kline.volume.toFixed(),
});

describe('close-time CSV (open,high,low,close,volume,quote_volume,trades,close_datetime)', () => {
  it('parses exact decimals; open time = close - 59.999 s, zone offset honoured', () => {
    const klines = parseCloseTimeKlineCsv(CLOSE_TIME_CSV, 'btc.csv');
    expect(klines.map(plain)).toEqual([
      {
        openTime: '2024-11-30T23:00:00.000Z',
        open: '96466.11',
        high: '96495.52',
        low: '96440',
        close: '96440',
        volume: '6.6158',
      },
      {
        openTime: '2024-11-30T23:01:00.000Z',
        open: '96440.01',
        high: '96454.62',
        low: '96422',
        close: '96454.62',
        volume: '7.0222',
      },
    ]);
    expect(klines[0]!.kind).toBe('kline');
  });

  it('reads the same rows without a header, with CRLF line ends, and honours a limit', () => {
    const noHeader = CLOSE_TIME_CSV.split('\n').slice(1).join('\r\n');
    expect(parseKlineCsv(noHeader).map(plain)).toEqual(parseKlineCsv(CLOSE_TIME_CSV).map(plain));
    expect(parseKlineCsv(CLOSE_TIME_CSV, 'x', { limit: 1 })).toHaveLength(1);
  });

  it('names the file and line of a malformed row', () => {
    const broken = CLOSE_TIME_CSV.replace('96454.62,7.0222', 'abc,7.0222');
    expect(() => parseKlineCsv(broken, 'btc.csv')).toThrow(/^btc\.csv:3: close is not a decimal: "abc"/);
    const badTime = CLOSE_TIME_CSV.replace('2024-12-01 00:01:59.999000+01:00', 'yesterday');
    expect(() => parseKlineCsv(badTime, 'btc.csv')).toThrow(/btc\.csv:3: close_datetime/);
    const tooFew = `${CLOSE_TIME_CSV}1,2,3,4,5,6,7\n`;
    expect(() => parseCloseTimeKlineCsv(tooFew, 'btc.csv')).toThrow(
      /btc\.csv:4: expected 8 columns, found 7/,
    );
    const inconsistent = CLOSE_TIME_CSV.replace('96466.11,96495.52', '96466.11,96400.00');
    expect(() => parseKlineCsv(inconsistent, 'btc.csv')).toThrow(/btc\.csv:2: inconsistent candle/);
  });
});

describe('data.binance.vision 12-column CSV', () => {
  it('with or without a header row', () => {
    const withHeader = parseBinanceKlineCsv([VISION_HEADER, ...VISION_ROWS].join('\n'));
    const without = parseKlineCsv(VISION_ROWS.join('\n'));
    expect(withHeader.map(plain)).toEqual(without.map(plain));
    expect(plain(withHeader[0]!)).toEqual({
      openTime: '2022-09-05T00:00:00.000Z',
      open: '19992.7',
      high: '20000',
      low: '19988.1',
      close: '19996.8',
      volume: '482.638',
    });
  });

  it('open times in microseconds (newer files) read as the same instants', () => {
    const micro = VISION_ROWS.map((row) => row.replace(/^(\d+),/, '$1000,')).join('\n');
    expect(parseKlineCsv(micro).map((k) => k.openTime.toISOString())).toEqual([
      '2022-09-05T00:00:00.000Z',
      '2022-09-05T00:01:00.000Z',
    ]);
  });

  it('names the line of a malformed row', () => {
    const broken = [VISION_HEADER, VISION_ROWS[0]!, VISION_ROWS[1]!.replace('1662336060000', '16623x')].join(
      '\n',
    );
    expect(() => parseKlineCsv(broken, 'f.csv')).toThrow(/^f\.csv:3: open_time is not an integer/);
  });
});

describe('zip archives', () => {
  it('reads a zip built in the test (fflate), header or not, in entry-name order', () => {
    const zip = zipSync({
      'b.csv': strToU8(VISION_ROWS[1]!),
      'a.csv': strToU8([VISION_HEADER, VISION_ROWS[0]!].join('\n')),
      'README.txt': strToU8('not a kline file'),
    });
    const klines = parseKlineZip(zip, 'made.zip');
    expect(klines.map((k) => k.openTime.toISOString())).toEqual([
      '2022-09-05T00:00:00.000Z',
      '2022-09-05T00:01:00.000Z',
    ]);

    const dir = mkdtempSync(path.join(tmpdir(), 'fillgate-klines-'));
    const file = path.join(dir, 'BTCUSDT-1m.zip');
    writeFileSync(file, zip);
    expect(readKlineFile(file).map(plain)).toEqual(klines.map(plain));
    expect(readKlineFile(file, { limit: 1 })).toHaveLength(1);
  });

  it('a malformed row inside a zip names the archive, the entry and the line', () => {
    const zip = zipSync({ 'day.csv': strToU8([VISION_ROWS[0]!, 'garbage,1,2'].join('\n')) });
    expect(() => parseKlineZip(zip, 'day.zip')).toThrow(/^day\.zip!day\.csv:2: expected 12 columns/);
  });

  it('refuses what is not a kline zip', () => {
    expect(() => parseKlineZip(strToU8('plain text'), 'fake.zip')).toThrow(/fake\.zip: not a readable zip/);
    expect(() => parseKlineZip(zipSync({ 'x.txt': strToU8('1') }), 'empty.zip')).toThrow(/no \.csv/);
    expect(() => readKlineFile('/tmp/klines.parquet')).toThrow(/unsupported kline file extension/);
  });
});

describe.skipIf(!existsSync(FUTURES_ZIP))('real data.binance.vision USD-M zip (header row)', () => {
  it('reads a full day of BTCUSDT 1m candles', () => {
    const klines = readKlineFile(FUTURES_ZIP);
    expect(klines).toHaveLength(1440);
    expect(plain(klines[0]!)).toEqual({
      openTime: '2022-09-05T00:00:00.000Z',
      open: '19992.7',
      high: '20000',
      low: '19988.1',
      close: '19996.8',
      volume: '482.638',
    });
    expect(klines.at(-1)!.openTime.toISOString()).toBe('2022-09-05T23:59:00.000Z');
  });
});

describe.skipIf(!existsSync(SPOT_ZIP))('real data.binance.vision spot zip (no header row)', () => {
  it('reads a full day of ETHUSDT 1m candles', () => {
    const klines = readKlineFile(SPOT_ZIP);
    expect(klines).toHaveLength(1440);
    expect(plain(klines[0]!)).toMatchObject({
      openTime: '2022-08-14T00:00:00.000Z',
      open: '1983.55',
      volume: '205.131',
    });
    for (let i = 1; i < klines.length; i++) {
      expect(klines[i]!.openTime.getTime() - klines[i - 1]!.openTime.getTime()).toBe(60_000);
    }
  });
});

describe.skipIf(!BTC_CSV)('real BTCUSDT 1m spot CSV', () => {
  it('reads all 41,761 candles, one minute apart, no gaps', () => {
    const klines = readKlineFile(BTC_CSV!);
    expect(klines).toHaveLength(41_761);
    expect(klines[0]!.openTime.toISOString()).toBe('2024-11-30T23:00:00.000Z');
    const gaps = klines
      .slice(1)
      .filter((k, i) => k.openTime.getTime() - klines[i]!.openTime.getTime() !== 60_000);
    expect(gaps).toEqual([]);
  });
});
