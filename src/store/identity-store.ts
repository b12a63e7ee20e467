import { and, asc, count, eq, gt, isNull } from 'drizzle-orm';
import type {
  ApiTokenRecord,
  Credentials,
  IdentityPort,
  NewAccount,
  NewApiToken,
  NewRefreshToken,
  Principal,
  RefreshOutcome,
  Role,
  TokenScope,
  UserRecord,
} from '../execution/identity-port.ts';
import type { Database } from './database.ts';
import { systemTransaction, userTransaction } from './scoped-transaction.ts';
import { fromRiskLimits, num } from './row-mappers.ts';
import {
  apiTokens,
  balances,
  exchangeAccounts,
  refreshTokens,
  riskLimits,
  users,
  webhookSecrets,
} from './schema.ts';

function toApiToken(row: typeof apiTokens.$inferSelect): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes as TokenScope[],
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt ?? undefined,
    revokedAt: row.revokedAt ?? undefined,
  };
}

export class DrizzleIdentityStore implements IdentityPort {
  constructor(private readonly db: Database) {}

  async authenticate(tokenHash: string): Promise<Principal | undefined> {
    return systemTransaction(this.db, async (tx) => {
      const [row] = await tx
        .select({ userId: apiTokens.userId, scopes: apiTokens.scopes, role: users.role })
        .from(apiTokens)
        .innerJoin(users, eq(users.id, apiTokens.userId))
        .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
      if (!row) return undefined;
      return { userId: row.userId, role: row.role as Role, scopes: row.scopes as TokenScope[] };
    });
  }

  async setWebhookSecret(userId: string, secretHash: string, maxLagS: number): Promise<void> {
    await userTransaction(this.db, userId, async (tx) => {
      await tx
        .insert(webhookSecrets)
        .values({ userId, secretHash, maxLagS })
        .onConflictDoUpdate({
          target: webhookSecrets.userId,
          set: { secretHash, maxLagS, createdAt: new Date() },
        });
    });
  }

  /** The webhook names its user in the URL and proves it with the secret: reading the hash is scoped to it. */
  async webhookSecret(userId: string): Promise<{ secretHash: string; maxLagS: number } | undefined> {
    return userTransaction(this.db, userId, async (tx) => {
      const [row] = await tx.select().from(webhookSecrets).where(eq(webhookSecrets.userId, userId));
      return row ? { secretHash: row.secretHash, maxLagS: row.maxLagS } : undefined;
    });
  }

  async countUsers(): Promise<number> {
    return systemTransaction(this.db, async (tx) => {
      const [row] = await tx.select({ n: count() }).from(users);
      return Number(row?.n ?? 0);
    });
  }

  async findUser(userId: string): Promise<UserRecord | undefined> {
    return userTransaction(this.db, userId, async (tx) => {
      const [row] = await tx.select().from(users).where(eq(users.id, userId));
      return row ? { id: row.id, email: row.email, role: row.role as Role } : undefined;
    });
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const found = await this.findCredentials(email);
    return found ? { id: found.id, email: found.email, role: found.role } : undefined;
  }

  async findCredentials(email: string): Promise<Credentials | undefined> {
    return systemTransaction(this.db, async (tx) => {
      const [row] = await tx.select().from(users).where(eq(users.email, email));
      return row
        ? {
            id: row.id,
            email: row.email,
            role: row.role as Role,
            passwordHash: row.passwordHash ?? undefined,
          }
        : undefined;
    });
  }

  async createApiToken(userId: string, token: NewApiToken): Promise<ApiTokenRecord> {
    return userTransaction(this.db, userId, async (tx) => {
      const [row] = await tx
        .insert(apiTokens)
        .values({
          id: token.id,
          userId,
          name: token.name,
          tokenHash: token.tokenHash,
          scopes: [...token.scopes],
        })
        .returning();
      return toApiToken(row!);
    });
  }

  async listApiTokens(userId: string): Promise<readonly ApiTokenRecord[]> {
    return userTransaction(this.db, userId, async (tx) => {
      const rows = await tx
        .select()
        .from(apiTokens)
        .where(eq(apiTokens.userId, userId))
        .orderBy(asc(apiTokens.createdAt), asc(apiTokens.id));
      return rows.map(toApiToken);
    });
  }

  async revokeApiToken(userId: string, tokenId: string, at: Date): Promise<boolean> {
    return userTransaction(this.db, userId, async (tx) => {
      const rows = await tx
        .update(apiTokens)
        .set({ revokedAt: at })
        .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
        .returning({ id: apiTokens.id });
      return rows.length > 0;
    });
  }

  async storeRefreshToken(token: NewRefreshToken): Promise<void> {
    return userTransaction(this.db, token.userId, async (tx) => {
      await tx.insert(refreshTokens).values({ ...token });
    });
  }

  async consumeRefreshToken(tokenHash: string, at: Date): Promise<RefreshOutcome> {
    return systemTransaction(this.db, async (tx) => {
      const [used] = await tx
        .update(refreshTokens)
        .set({ usedAt: at })
        .where(
          and(
            eq(refreshTokens.tokenHash, tokenHash),
            isNull(refreshTokens.usedAt),
            isNull(refreshTokens.revokedAt),
            gt(refreshTokens.expiresAt, at),
          ),
        )
        .returning({ userId: refreshTokens.userId, familyId: refreshTokens.familyId });
      if (used) return { kind: 'rotated', userId: used.userId, familyId: used.familyId };
      const [known] = await tx
        .select({ familyId: refreshTokens.familyId })
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, tokenHash));
      if (known) {
        await tx
          .update(refreshTokens)
          .set({ revokedAt: at })
          .where(and(eq(refreshTokens.familyId, known.familyId), isNull(refreshTokens.revokedAt)));
      }
      return { kind: 'rejected' };
    });
  }

  async provision(input: {
    user: UserRecord & { passwordHash?: string };
    accounts: readonly NewAccount[];
    token: NewApiToken;
  }): Promise<void> {
    await userTransaction(this.db, input.user.id, async (tx) => {
      await tx.insert(users).values({
        id: input.user.id,
        email: input.user.email,
        role: input.user.role,
        passwordHash: input.user.passwordHash ?? null,
      });
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
