import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

describe(`order tracking from the user data stream (${databaseKind})`, () => {
  let L: LiveHarness;
  beforeAll(async () => {
    // The poll is slowed to a minute: only the stream can bring these fills in time.
    L = await startLiveHarness({ venue: { userDataStream: true, orderPollMs: 60_000 } });
    await eventually(
      async () => L.venue.health().detail ?? '',
      (detail) => detail.includes('spot user stream up') && detail.includes('futures user stream up'),
    );
    // The subscription is sent as the stream comes up; give it a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  afterAll(async () => L?.close());

  const place = async (payload: Record<string, unknown>) => {
    const res = await L.h.fillgate.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: L.user.auth,
      payload,
    });
    return res.json<{ status: string; order_id: string }>();
  };
  const order = (id: string) => L.h.fillgate.read.findOrder(L.user.userId, id);

  it('a resting spot order fills from stream events, each fill recorded once', async () => {
    const body = await place({ symbol: 'ETHUSDT', side: 'buy', type: 'limit', quantity: '1', price: '3390' });
    expect(body.status).toBe('PLACED');
    L.s.trade('ETHUSDT', 'spot', '3390', '0.4');
    await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'PARTIALLY_FILLED',
      5_000,
    );
    L.s.trade('ETHUSDT', 'spot', '3389', '5');
    const filled = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
      5_000,
    );
    expect(filled!.status).toBe('FILLED');
    expect(filled!.filledQuantity.toFixed()).toBe('1');
    const fills = await L.h.fillgate.read.listFills(L.user.userId, body.order_id);
    expect(new Set(fills.map((f) => f.venueTradeId)).size).toBe(fills.length);
  });

  it('a resting futures order fills from the listenKey stream', async () => {
    const body = await place({
      account_id: L.user.futuresAccountId,
      market_type: 'futures',
      symbol: 'ETHUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '0.1',
      price: '3390',
      leverage: 5,
    });
    expect(body.status).toBe('PLACED');
    L.s.trade('ETHUSDT', 'futures', '3389', '5');
    const filled = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
      5_000,
    );
    expect(filled!.status).toBe('FILLED');
  });
});
