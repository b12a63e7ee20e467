import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/app-error.ts';
import { parseRiskLimitsPatch, riskLimitsToJson } from '../../domain/risk-limits.ts';
import { getRiskLimits, setTradingState, updateRiskLimits } from '../../execution/account-controls.ts';
import { killAccount, releaseAccount } from '../../execution/kill-switch.ts';
import type { AccountRecord } from '../../execution/store-port.ts';
import type { Principal } from '../../execution/identity-port.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf } from '../authenticate.ts';
import { IdParams, Uuid } from '../schemas.ts';

const KillSwitchBody = Type.Object(
  {
    account_id: Type.Optional(Uuid),
    flatten: Type.Optional(Type.Boolean()),
    /** `all`: every account of every user (admins only). */
    scope: Type.Optional(Type.Literal('all')),
  },
  { additionalProperties: false },
);
const KillSwitchQuery = Type.Object(
  { account_id: Type.Optional(Uuid), scope: Type.Optional(Type.Literal('all')) },
  { additionalProperties: false },
);
const TradingStateBody = Type.Object(
  { state: Type.Union([Type.Literal('ACTIVE'), Type.Literal('REDUCING'), Type.Literal('HALTED')]) },
  { additionalProperties: false },
);

/** The accounts a kill-switch call acts on: one, all of the caller's, or (admin) everyone's. */
async function targetAccounts(
  deps: AppDeps,
  principal: Principal,
  accountId: string | undefined,
  scope: 'all' | undefined,
): Promise<readonly AccountRecord[]> {
  if (scope === 'all') {
    if (principal.role !== 'admin')
      throw new AppError('FORBIDDEN', 'Only an admin can act on every account.');
    return deps.read.listAllAccounts();
  }
  if (accountId) {
    const account = await deps.read.findAccount(principal.userId, accountId);
    if (!account) throw new AppError('NOT_FOUND', `Account ${accountId} not found.`);
    return [account];
  }
  return deps.read.listAccounts(principal.userId);
}

export function riskRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/accounts/:id/risk-limits', { schema: { params: IdParams } }, async (request) => {
      const principal = principalOf(request);
      const limits = await getRiskLimits(deps.execution, principal.userId, request.params.id);
      return { account_id: request.params.id, limits: riskLimitsToJson(limits) };
    });

    app.put(
      '/accounts/:id/risk-limits',
      { schema: { params: IdParams, body: Type.Object({}, { additionalProperties: true }) } },
      async (request) => {
        const principal = principalOf(request, 'trade');
        const parsed = parseRiskLimitsPatch(request.body);
        if (parsed.kind !== 'risk_limits_patch') {
          const first = parsed.errors[0];
          throw new AppError('VALIDATION_FAILED', `Invalid risk limits: ${first?.field} ${first?.message}.`, {
            issues: parsed.errors,
          });
        }
        const limits = await updateRiskLimits(
          deps.execution,
          principal.userId,
          request.params.id,
          parsed.patch,
        );
        return { account_id: request.params.id, limits: riskLimitsToJson(limits) };
      },
    );

    app.put(
      '/accounts/:id/trading-state',
      { schema: { params: IdParams, body: TradingStateBody } },
      async (request) => {
        const principal = principalOf(request, 'trade');
        const account = await setTradingState(
          deps.execution,
          principal.userId,
          request.params.id,
          request.body.state,
        );
        return { account_id: account.id, trading_state: account.tradingState };
      },
    );

    app.post('/kill-switch', { schema: { body: KillSwitchBody } }, async (request) => {
      const principal = principalOf(request, 'trade');
      const body = request.body;
      const accounts = await targetAccounts(deps, principal, body.account_id, body.scope);
      const reports = [];
      for (const account of accounts)
        reports.push(await killAccount(deps.execution, account, body.flatten ?? false));
      return { engaged: true, accounts: reports };
    });

    app.delete('/kill-switch', { schema: { querystring: KillSwitchQuery } }, async (request) => {
      const principal = principalOf(request, 'trade');
      const accounts = await targetAccounts(deps, principal, request.query.account_id, request.query.scope);
      for (const account of accounts) await releaseAccount(deps.execution, account);
      return { engaged: false, accounts: accounts.map((a) => a.id) };
    });
  };
}
