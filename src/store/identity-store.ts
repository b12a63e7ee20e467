import { and, count, eq, isNull } from 'drizzle-orm';
import type {
  IdentityPort,
  NewAccount,
  NewApiToken,
  Principal,
  Role,
  TokenScope,
  UserRecord,
} from '../execution/identity-port.ts';
import type { Database } from './database.ts';
import { fromRiskLimits, num } from './row-mappers.ts';
import { apiTokens, balances, exchangeAccounts, riskLimits, users, webhookSecrets } from './schema.ts';

export class DrizzleIdentityStore implements IdentityPort {
  constructor(private readonly db: Database) {}

  async authenticate(tokenHash: string): Promise<Principal | undefined> {
    const [row] = await this.db
      .select({ userId: apiTokens.userId, scopes: apiTokens.scopes, role: users.role })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
    if (!row) return undefined;
    return { userId: row.userId, role: row.role as Role, scopes: row.scopes as TokenScope[] };
  }

  async setWebhookSecret(userId: string, secretHash: string, maxLagS: number): Promise<void> {
    await this.db
      .insert(webhookSecrets)
      .values({ userId, secretHash, maxLagS })
      .onConflictDoUpdate({
        target: webhookSecrets.userId,
        set: { secretHash, maxLagS, createdAt: new Date() },
      });
  }

  async webhookSecret(userId: string): Promise<{ secretHash: string; maxLagS: number } | undefined> {
    const [row] = await this.db.select().from(webhookSecrets).where(eq(webhookSecrets.userId, userId));
    return row ? { secretHash: row.secretHash, maxLagS: row.maxLagS } : undefined;
  }

  async countUsers(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(users);
    return Number(row?.n ?? 0);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.email, email));
    return row ? { id: row.id, email: row.email, role: row.role as Role } : undefined;
  }

  async provision(input: {
    user: UserRecord;
    accounts: readonly NewAccount[];
    token: NewApiToken;
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.insert(users).values({ id: input.user.id, email: input.user.email, role: input.user.role });
      for (const account of input.accounts) {
        await tx.insert(exchangeAccounts).values({
          id: account.id,
          userId: input.user.id,
          venue: account.venue,
          marketType: account.marketType,
          label: account.label,
        });
        if (account.riskLimits) {
          await tx.insert(riskLimits).values(fromRiskLimits(account.id, input.user.id, account.riskLimits));
        }
        for (const [asset, total] of account.balances) {
          await tx
            .insert(balances)
            .values({ accountId: account.id, userId: input.user.id, asset, total: num(total) });
        }
      }
      await tx.insert(apiTokens).values({
        id: input.token.id,
        userId: input.user.id,
        name: input.token.name,
        tokenHash: input.token.tokenHash,
        scopes: [...input.token.scopes],
      });
    });
  }
}
