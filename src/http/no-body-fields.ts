import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/app-error.ts';

/** For actions that take no fields: no body or `{}` pass; any field is refused (no mass assignment). */
export async function noBodyFields(request: FastifyRequest): Promise<void> {
  const body: unknown = request.body;
  if (body === undefined) return;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('VALIDATION_FAILED', 'Invalid request: body must be an empty object or absent.');
  }
  const fields = Object.keys(body);
  if (fields.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      `Invalid request: this action takes no fields (${fields.join(', ')}).`,
      {
        issues: fields.map((field) => ({
          path: 'body',
          message: 'must NOT have additional properties',
          field,
        })),
      },
    );
  }
}
