import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/app-error.ts';
import { decimalString, toDecimal } from '../../domain/decimal.ts';
import { MARKET_TYPES, SIDES } from '../../domain/order-types.ts';
import type { SizingMode } from '../../domain/sizing.ts';
import { processSignal } from '../../execution/process-signal.ts';
import type { SignalRecord } from '../../execution/store-port.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf } from '../authenticate.ts';
import { DecimalInput, Uuid } from '../schemas.ts';
import { optDecimal, resolveAccount } from './place-order.ts';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const Sizing = Type.Object(
  {
    mode: literals(['fixed_quote', 'percent_equity', 'risk'] as const),
    value: DecimalInput,
    reward_risk: Type.Optional(DecimalInput),
  },
  { additionalProperties: false },
);

const signalFields = {
  symbol: Type.String({ pattern: '^[A-Z0-9]{2,20}$' }),
  side: literals(SIDES),
  decision: Type.Optional(literals(['enter_trade', 'wait', 'bad'] as const)),
  stop_loss: Type.Optional(DecimalInput),
  take_profit: Type.Optional(DecimalInput),
  sizing: Type.Optional(Sizing),
  account_id: Type.Optional(Uuid),
  market_type: Type.Optional(literals(MARKET_TYPES)),
};

const SignalBody = Type.Object(
  { signal_id: Type.String({ pattern: '^[A-Za-z0-9:._-]{1,100}$' }), ...signalFields },
  { additionalProperties: false },
);

/** A TradingView-style alert: the user's secret, when it was sent, and a key that makes it count once. */
const WebhookBody = Type.Object(
  {
    secret: Type.String({ minLength: 16, maxLength: 200 }),
    timestamp: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ format: 'date-time' })]),
    id: Type.String({ pattern: '^[A-Za-z0-9:._-]{1,100}$' }),
    ...signalFields,
  },
  { additionalProperties: false },
);

const WebhookSecretBody = Type.Object(
  { max_lag_s: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600 })) },
  { additionalProperties: false },
);

function sizingMode(sizing: Static<typeof Sizing>): SizingMode {
  const value = toDecimal(sizing.value);
  if (sizing.mode === 'fixed_quote') return { kind: 'fixed_quote', quoteAmount: value };
  if (sizing.mode === 'percent_equity') return { kind: 'percent_equity', percent: value };
  return { kind: 'risk', riskPercent: value };
}

export function signalView(signal: SignalRecord) {
  return {
    signal_id: signal.signalId,
    status: signal.status,
    decision: signal.decision,
    symbol: signal.symbol,
    side: signal.side,
    account_id: signal.accountId ?? null,
    stop_loss: signal.stopLoss ? decimalString(signal.stopLoss) : null,
    take_profit: signal.takeProfit ? decimalString(signal.takeProfit) : null,
    position_id: signal.positionId ?? null,
    order_id: signal.orderId ?? null,
    reason_code: signal.reasonCode ?? null,
    message: signal.message ?? null,
    source: signal.source,
    created_at: signal.createdAt.toISOString(),
  };
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest();

async function submitSignal(
  deps: AppDeps,
  userId: string,
  signalId: string,
  body: Static<typeof SignalBody> | Static<typeof WebhookBody>,
  origin: string,
) {
  const marketType = body.market_type ?? 'spot';
  const account = await resolveAccount(deps, userId, marketType, body.account_id);
  const outcome = await processSignal(deps.execution, {
    userId,
    accountId: account.id,
    signalId,
    symbol: body.symbol,
    marketType,
    side: body.side,
    decision: body.decision ?? 'enter_trade',
    stopLoss: optDecimal(body.stop_loss),
    takeProfit: optDecimal(body.take_profit),
    sizing: body.sizing
      ? { mode: sizingMode(body.sizing), rewardRisk: optDecimal(body.sizing.reward_risk) }
      : undefined,
    rawSizing: body.sizing,
    origin,
  });
  return { ...signalView(outcome.signal), duplicate: !outcome.firstTime };
}

/** Signals over the authenticated API. */
export function signalRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/signals', { schema: { body: SignalBody } }, async (request, reply) => {
      const principal = principalOf(request, 'trade');
      const view = await submitSignal(deps, principal.userId, request.body.signal_id, request.body, 'api');
      return reply.status(view.duplicate ? 200 : 201).send(view);
    });

    app.get('/signals', async (request) => {
      const principal = principalOf(request);
      return { signals: (await deps.read.listSignals(principal.userId, 100)).map(signalView) };
    });

    app.get(
      '/signals/:signal_id',
      {
        schema: {
          params: Type.Object(
            { signal_id: Type.String({ maxLength: 100 }) },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const signal = await deps.read.findSignal(principal.userId, request.params.signal_id);
        if (!signal) throw new AppError('NOT_FOUND', `Signal ${request.params.signal_id} not found.`);
        return signalView(signal);
      },
    );

    app.post('/webhooks/secret', { schema: { body: WebhookSecretBody } }, async (request, reply) => {
      const principal = principalOf(request, 'trade');
      const secret = `whs_${randomBytes(24).toString('base64url')}`;
      const maxLag = request.body.max_lag_s ?? 60;
      await deps.identity.setWebhookSecret(principal.userId, hashSecret(secret).toString('hex'), maxLag);
      return reply.status(201).send({
        secret,
        url: `/hooks/tradingview/${principal.userId}`,
        max_lag_s: maxLag,
        message: 'Shown once. Put it in the alert body with a timestamp and a unique id.',
      });
    });
  };
}

/** The inbound webhook (no bearer token: the per-user secret in the body authenticates it). */
export function webhookRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/hooks/tradingview/:user_id',
      {
        schema: {
          params: Type.Object({ user_id: Uuid }, { additionalProperties: false }),
          body: WebhookBody,
        },
      },
      async (request, reply) => {
        const { user_id: userId } = request.params;
        const body = request.body;
        const stored = await deps.identity.webhookSecret(userId);
        const given = hashSecret(body.secret);
        // One answer for an unknown user and a wrong secret: the hook does not confirm who exists.
        if (!stored || !timingSafeEqual(Buffer.from(stored.secretHash, 'hex'), given)) {
          throw new AppError('UNAUTHENTICATED', 'Webhook secret not recognised.');
        }
        const sentAt =
          typeof body.timestamp === 'number' ? body.timestamp * 1000 : Date.parse(body.timestamp);
        const lag = Math.abs(deps.execution.now().getTime() - sentAt) / 1000;
        if (!(lag <= stored.maxLagS)) {
          throw new AppError(
            'UNPROCESSABLE',
            `Alert timestamp is ${Math.round(lag)} s away from the server clock; at most ${stored.maxLagS} s is accepted (replay guard).`,
          );
        }
        const view = await submitSignal(deps, userId, `tv:${body.id}`, body, 'webhook');
        return reply.status(view.duplicate ? 200 : 201).send(view);
      },
    );
  };
}
