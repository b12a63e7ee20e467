import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/app-error.ts';
import { hashApiToken, newApiToken } from '../../execution/api-token.ts';
import type { ApiTokenRecord, TokenScope } from '../../execution/identity-port.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf } from '../authenticate.ts';
import { IdParams } from '../schemas.ts';

const Scope = Type.Union([Type.Literal('read'), Type.Literal('trade'), Type.Literal('admin')]);
const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: 3, uniqueItems: true }),
  },
  { additionalProperties: false },
);

const tokenView = (t: ApiTokenRecord) => ({
  id: t.id,
  name: t.name,
  scopes: t.scopes,
  created_at: t.createdAt.toISOString(),
  last_used_at: t.lastUsedAt?.toISOString() ?? null,
  revoked_at: t.revokedAt?.toISOString() ?? null,
});

/** Long-lived API tokens: stored as SHA-256, shown once, scoped, revocable. */
export function tokenRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/tokens', { schema: { body: CreateTokenBody } }, async (request, reply) => {
      const principal = principalOf(request);
      const held = principal.scopes;
      const escalates = (s: TokenScope) => !held.includes(s) && !held.includes('admin');
      if (
        request.body.scopes.some(escalates) ||
        (request.body.scopes.includes('admin') && principal.role !== 'admin')
      ) {
        throw new AppError('FORBIDDEN', 'A token cannot grant scopes its creator does not hold.');
      }
      const token = newApiToken();
      const record = await deps.identity.createApiToken(principal.userId, {
        id: deps.execution.newId(),
        name: request.body.name,
        tokenHash: hashApiToken(token),
        scopes: request.body.scopes,
      });
      return reply.status(201).send({ ...tokenView(record), token });
    });

    app.get('/tokens', async (request) => {
      const principal = principalOf(request);
      return { tokens: (await deps.identity.listApiTokens(principal.userId)).map(tokenView) };
    });

    app.delete('/tokens/:id', { schema: { params: IdParams } }, async (request, reply) => {
      const principal = principalOf(request);
      const revoked = await deps.identity.revokeApiToken(
        principal.userId,
        request.params.id,
        deps.execution.now(),
      );
      if (!revoked) throw new AppError('NOT_FOUND', `Token ${request.params.id} not found.`);
      return reply.status(204).send();
    });
  };
}
