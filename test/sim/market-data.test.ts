import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BUILTIN_MARKETS } from '../../src/domain/builtin-markets.ts';
import { parseExchangeInfo } from '../../src/domain/exchange-info-parser.ts';
import type { MarketRules } from '../../src/domain/market-rules.ts';
import { type RunningSimulator, startBinanceSimulator } from '../../sim/binance-simulator.ts';
import { exchangeInfoDocument } from '../../sim/exchange-info-document.ts';
import { createLocalBinance } from '../../sim/local-binance-client.ts';
import { startHarness } from './sim-support.ts';

const SPOT_SNAPSHOT = '../shared/marketdata/exchange_info/spot_exchangeInfo_2023-08-13_MIT_swapland.json';

describe('simulator market data', () => {
  it('serves exchangeInfo our own parser reads back into the same rules', () => {
    for (const marketType of ['spot', 'futures'] as const) {
      const rules = BUILTIN_MARKETS.filter((market) => market.marketType === marketType);
      const parsed = parseExchangeInfo(exchangeInfoDocument(rules, marketType, 0), marketType);
      // Leverage brackets are not part of exchangeInfo (they come from /fapi/v1/leverageBracket).
      const withoutLeverage = ({ maxLeverage: _l, maintenanceMarginRate: _m, ...rest }: MarketRules) => rest;
      expect(parsed.map(withoutLeverage)).toEqual(rules.map(withoutLeverage));
    }
  });

  it.skipIf(!existsSync(SPOT_SNAPSHOT))(
    'loads its spot markets from a real exchangeInfo snapshot',
    async () => {
      const sim = await startBinanceSimulator({ exchangeInfoFiles: { spot: SPOT_SNAPSHOT } });
      try {
        const client = createLocalBinance(sim);
        const markets = await client.loadMarkets();
        expect(Object.keys(markets).length).toBeGreaterThan(1000);
        expect(markets['ETH/BTC']?.spot).toBe(true);
        expect((await client.fetchTicker('BTC/USDT')).bid).toBeGreaterThan(0);
      } finally {
        await sim.close();
      }
    },
  );

  describe('on the default synthetic market', () => {
    let sim: RunningSimulator;

    beforeAll(async () => {
      sim = await startBinanceSimulator({ feedIntervalMs: 20 });
    });
    afterAll(async () => {
      await sim.close();
    });

    it('moves prices while ccxt follows the book through diffs without a sequence gap', async () => {
      const client = createLocalBinance(sim, sim.accounts[0]);
      await client.loadHttpProxyAgent();
      await client.loadMarkets();
      const first = await client.watchOrderBook('BTC/USDT');
      const firstNonce = first.nonce ?? 0;
      let book = first;
      for (let i = 0; i < 10; i++) book = await client.watchOrderBook('BTC/USDT');
      expect(book.nonce ?? 0).toBeGreaterThan(firstNonce);
      const order = await client.createOrder('BTC/USDT', 'market', 'buy', 0.001);
      expect(order.status).toBe('closed');
      expect(order.average).toBeGreaterThan(90000);
      await client.close();
    });
  });

  it('duplicates and replays stale stream events when told to', async () => {
    const h = await startHarness();
    try {
      h.sim.faults.set({ ws: { duplicateRate: 1 } });
      const socket = new WebSocket(`${h.sim.wsUrl}/ws/btcusdt@trade`);
      const received: string[] = [];
      socket.on('message', (data: Buffer) => received.push(data.toString('utf8')));
      await new Promise((resolve) => socket.once('open', resolve));
      h.trade('BTCUSDT', 'spot', '96000.00', '0.1');
      await waitFor(() => received.length >= 2);
      expect(received[0]).toBe(received[1]);
      expect(JSON.parse(received[0]!)).toMatchObject({
        e: 'trade',
        s: 'BTCUSDT',
        p: '96000.00000000',
        m: true,
      });

      h.sim.faults.set({ ws: { staleRate: 1 } });
      h.trade('BTCUSDT', 'spot', '96000.01', '0.2');
      await waitFor(() => received.length >= 4);
      expect(JSON.parse(received[2]!)).toMatchObject({ p: '96000.01000000' });
      expect(received[3]).toBe(received[0]);
      socket.close();
    } finally {
      await h.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
