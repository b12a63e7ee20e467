import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { refreshSession, signIn, type Session, type SessionDeps } from '../../execution/sign-in.ts';
import type { AppDeps } from '../app-deps.ts';

const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
const RefreshBody = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

const sessionBody = (session: Session) => ({
  access_token: session.accessToken,
  token_type: 'Bearer',
  expires_in: session.expiresInS,
  refresh_token: session.refreshToken,
});

/** Sign-in and refresh: the only /api routes without a bearer token. */
export function authRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  const sessions: SessionDeps = {
    identity: deps.identity,
    accessTokens: deps.accessTokens,
    newId: deps.execution.newId,
    now: deps.execution.now,
  };
  return async (app) => {
    app.post('/auth/login', { schema: { body: LoginBody } }, async (request) =>
      sessionBody(await signIn(sessions, request.body.email, request.body.password)),
    );
    app.post('/auth/refresh', { schema: { body: RefreshBody } }, async (request) =>
      sessionBody(await refreshSession(sessions, request.body.refresh_token)),
    );
  };
}
