import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/store/database.ts';
import { AdvisoryClaims } from '../../src/store/advisory-claims.ts';
import { databaseKind, openAsAnotherProcess, openTestDatabase } from '../support/test-database.ts';

/** A promise the test resolves by hand: work that holds its claim until released. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe(`reconciliation claims (${databaseKind})`, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let otherDatabase: DatabaseHandle;
  let mine: AdvisoryClaims;
  let theirs: AdvisoryClaims;
  beforeAll(async () => {
    database = await openTestDatabase();
    otherDatabase = await openAsAnotherProcess(database);
    mine = new AdvisoryClaims(database);
    theirs = new AdvisoryClaims(otherDatabase);
  });
  afterAll(async () => {
    await otherDatabase?.close();
    await database?.dispose();
  });

  it('one holder at a time per key, across processes; free again once the work ends', async () => {
    const held = gate();
    const holding = gate();
    const first = mine.tryWithClaim('order:a', async () => {
      holding.open();
      await held.opened;
      return 'first';
    });
    await holding.opened;
    // Until the first holder's work ends, the other process is refused at once (it never waits)...
    expect(await theirs.tryWithClaim('order:a', async () => 'second')).toEqual({ claimed: false });
    expect(await mine.tryWithClaim('order:a', async () => 'again')).toEqual({ claimed: false });
    // ...while other keys are free.
    expect(await theirs.tryWithClaim('order:b', async () => 'other key')).toEqual({
      claimed: true,
      value: 'other key',
    });
    held.open();
    expect(await first).toEqual({ claimed: true, value: 'first' });
    expect(await theirs.tryWithClaim('order:a', async () => 'second')).toEqual({
      claimed: true,
      value: 'second',
    });
  });

  it('a claim whose work fails is released', async () => {
    await expect(
      mine.tryWithClaim('order:c', async () => {
        throw new Error('venue down');
      }),
    ).rejects.toThrow('venue down');
    expect(await theirs.tryWithClaim('order:c', async () => 'taken over')).toEqual({
      claimed: true,
      value: 'taken over',
    });
  });
});
