import { Decimal } from '../domain/decimal.ts';
import type { RiskLimits } from '../domain/risk-limits.ts';
import { hashApiToken, newApiToken } from './api-token.ts';
import type { IdentityPort, Role, TokenScope } from './identity-port.ts';

export interface PaperFunding {
  readonly spotUsdt: Decimal;
  readonly futuresUsdt: Decimal;
}

export const DEFAULT_PAPER_FUNDING: PaperFunding = {
  spotUsdt: new Decimal(10_000),
  futuresUsdt: new Decimal(10_000),
};

export interface ProvisionedUser {
  readonly userId: string;
  readonly token: string;
  readonly spotAccountId: string;
  readonly futuresAccountId: string;
}

/** A new user with a paper spot account, a paper USD-M account and an API token (returned once). */
export async function provisionUser(
  identity: IdentityPort,
  newId: () => string,
  input: {
    email: string;
    role: Role;
    /** scrypt hash (see password.ts); users without one sign in with API tokens only. */
    passwordHash?: string;
    scopes?: readonly TokenScope[];
    funding?: PaperFunding;
    paperVenue?: string;
    riskLimits?: RiskLimits;
  },
): Promise<ProvisionedUser> {
  const funding = input.funding ?? DEFAULT_PAPER_FUNDING;
  const venue = input.paperVenue ?? 'paper';
  const userId = newId();
  const spotAccountId = newId();
  const futuresAccountId = newId();
  const token = newApiToken();
  await identity.provision({
    user: { id: userId, email: input.email, role: input.role, passwordHash: input.passwordHash },
    accounts: [
      {
        id: spotAccountId,
        venue,
        marketType: 'spot',
        label: 'Paper spot',
        balances: new Map([['USDT', funding.spotUsdt]]),
        riskLimits: input.riskLimits,
      },
      {
        id: futuresAccountId,
        venue,
        marketType: 'futures',
        label: 'Paper USD-M',
        balances: new Map([['USDT', funding.futuresUsdt]]),
        riskLimits: input.riskLimits,
      },
    ],
    token: {
      id: newId(),
      name: 'default',
      tokenHash: hashApiToken(token),
      scopes: input.scopes ?? (input.role === 'admin' ? ['read', 'trade', 'admin'] : ['read', 'trade']),
    },
  });
  return { userId, token, spotAccountId, futuresAccountId };
}
