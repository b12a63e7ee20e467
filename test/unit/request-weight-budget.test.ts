import { describe, expect, it } from 'vitest';
import {
  RequestWeightBudget,
  WeightBudgetExhausted,
  type RequestPriority,
} from '../../src/venues/ccxt/request-weight-budget.ts';

describe('request weight budget', () => {
  it('keeps the last part of the minute for cancels and exits', async () => {
    let now = 60_000 * 10;
    const budget = new RequestWeightBudget({
      limitPerMinute: 100,
      entryShare: 0.7,
      maxWaitMs: 0,
      now: () => now,
    });
    for (let i = 0; i < 70; i += 1) await budget.acquire('entry', 1);
    await expect(budget.acquire('entry', 1)).rejects.toBeInstanceOf(WeightBudgetExhausted);
    await budget.acquire('cancel', 20);
    await budget.acquire('exit', 10);
    await expect(budget.acquire('cancel', 1)).rejects.toBeInstanceOf(WeightBudgetExhausted);
    now += 60_000;
    await budget.acquire('entry', 1);
  });

  it("takes the venue's used-weight figure when it is higher than our own count", async () => {
    const now = 60_000 * 10;
    const budget = new RequestWeightBudget({ limitPerMinute: 100, maxWaitMs: 0, now: () => now });
    budget.observeUsedWeight(69);
    await budget.acquire('entry', 1);
    await expect(budget.acquire('entry', 1)).rejects.toThrow(/used up/);
  });

  it('honours Retry-After for every priority', async () => {
    let now = 60_000 * 10;
    const budget = new RequestWeightBudget({ limitPerMinute: 100, maxWaitMs: 0, now: () => now });
    budget.blockFor(120_000);
    await expect(budget.acquire('cancel', 1)).rejects.toThrow(/Retry-After/);
    expect(budget.status().blockedForMs).toBe(120_000);
    now += 120_000;
    await budget.acquire('entry', 1);
  });
});

/** A budget on a hand-moved clock whose waits end only when the test moves the clock on. */
function manualBudget(limitPerMinute: number, maxWaitMs = 60_000) {
  let now = 60_000 * 10;
  let sleepers: (() => void)[] = [];
  const budget = new RequestWeightBudget({
    limitPerMinute,
    entryShare: 0.7,
    maxWaitMs,
    now: () => now,
    sleep: () => new Promise<void>((resolve) => sleepers.push(resolve)),
  });
  const served: string[] = [];
  const failed: string[] = [];
  const request = (priority: RequestPriority, weight: number, name: string = priority) =>
    budget.acquire(priority, weight).then(
      () => served.push(name),
      () => failed.push(name),
    );
  return {
    budget,
    served,
    failed,
    request,
    /** Moves the clock and lets every pending wait end, then lets the served callers run. */
    async advance(ms: number) {
      now += ms;
      const woken = sleepers;
      sleepers = [];
      for (const wake of woken) wake();
      await settle();
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

describe('request weight budget: order of service under pressure', () => {
  it('serves waiting requests most urgent first when the next minute opens', async () => {
    const m = manualBudget(100);
    await m.budget.acquire('cancel', 100);
    const pending = [
      m.request('scan', 5),
      m.request('entry', 5),
      m.request('query', 5),
      m.request('lookup', 5),
      m.request('exit', 5),
      m.request('cancel', 5),
    ];
    await settle();
    expect(m.served).toEqual([]);
    await m.advance(60_000);
    await Promise.all(pending);
    expect(m.served).toEqual(['cancel', 'exit', 'lookup', 'query', 'entry', 'scan']);
    expect(m.failed).toEqual([]);
  });

  it('an unknown-outcome lookup goes before an adoption scan that arrived first; the scan waits a minute', async () => {
    const m = manualBudget(100, 120_000);
    await m.budget.acquire('entry', 70);
    const scan = m.request('scan', 40, 'open orders scan');
    const lookup = m.request('lookup', 40, 'order lookup');
    await settle();
    expect(m.served).toEqual([]);
    // Next minute: the lookup fits; the scan (half of the minute at most) no longer does after it.
    await m.advance(60_000);
    await lookup;
    expect(m.served).toEqual(['order lookup']);
    await m.advance(60_000);
    await scan;
    expect(m.served).toEqual(['order lookup', 'open orders scan']);
    expect(m.failed).toEqual([]);
  });

  it('a cancel goes straight through while lower priorities wait', async () => {
    const m = manualBudget(100);
    await m.budget.acquire('query', 80);
    const scan = m.request('scan', 10);
    const entry = m.request('entry', 10);
    await settle();
    expect(m.served).toEqual([]);
    await m.request('cancel', 10);
    expect(m.served).toEqual(['cancel']);
    await m.advance(60_000);
    await Promise.all([scan, entry]);
    expect(m.served).toEqual(['cancel', 'entry', 'scan']);
  });

  it('a request never overtakes a waiting one of the same priority', async () => {
    const m = manualBudget(100);
    await m.budget.acquire('lookup', 85);
    const big = m.request('lookup', 10, 'first lookup');
    await settle();
    // 4 more would still fit this minute, but the first lookup is waiting ahead of it.
    const small = m.request('lookup', 4, 'second lookup');
    await settle();
    expect(m.served).toEqual([]);
    await m.advance(60_000);
    await Promise.all([big, small]);
    expect(m.served).toEqual(['first lookup', 'second lookup']);
  });

  it('after a Retry-After the lookup is served before the scan; a waiter past its deadline is refused', async () => {
    const m = manualBudget(100, 10_000);
    m.budget.blockFor(5_000);
    const scan = m.request('scan', 45);
    const lookup = m.request('lookup', 45);
    const entry = m.request('entry', 30);
    await settle();
    expect(m.served).toEqual([]);
    await m.advance(5_000);
    await Promise.all([scan, lookup, entry]);
    // lookup 45, entry 75 > 70 does not fit: it and the scan behind it cannot wait a minute (10 s at most).
    expect(m.served).toEqual(['lookup']);
    expect(m.failed.sort()).toEqual(['entry', 'scan']);
  });
});
