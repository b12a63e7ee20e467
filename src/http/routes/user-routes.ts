import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/app-error.ts';
import { hashPassword } from '../../execution/password.ts';
import { provisionUser } from '../../execution/provision-user.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf } from '../authenticate.ts';

const CreateUserBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 12, maxLength: 1024 }),
    role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
  },
  { additionalProperties: false },
);

export function userRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/users', { schema: { body: CreateUserBody } }, async (request, reply) => {
      const principal = principalOf(request, 'admin');
      if (principal.role !== 'admin') throw new AppError('FORBIDDEN', 'Only an admin can create users.');
      const email = request.body.email.toLowerCase();
      if (await deps.identity.findUserByEmail(email)) {
        throw new AppError('CONFLICT', `A user with email ${email} already exists.`);
      }
      const role = request.body.role ?? 'user';
      const user = await provisionUser(deps.identity, deps.execution.newId, {
        email,
        role,
        passwordHash: await hashPassword(request.body.password),
      });
      return reply.status(201).send({
        id: user.userId,
        email,
        role,
        accounts: [
          { id: user.spotAccountId, market_type: 'spot', venue: 'paper' },
          { id: user.futuresAccountId, market_type: 'futures', venue: 'paper' },
        ],
      });
    });
  };
}
