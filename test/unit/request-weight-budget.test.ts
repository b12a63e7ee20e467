import { describe, expect, it } from 'vitest';
import { RequestWeightBudget, WeightBudgetExhausted } from '../../src/venues/ccxt/request-weight-budget.ts';

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
