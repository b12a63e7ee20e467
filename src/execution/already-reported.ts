import type { UnitOfWork } from './store-port.ts';

/**
 * Whether the newest report of this kind about `subject` already states these figures. The reconciler
 * reports a difference once, not on every pass, and not once per process: the check reads the audit log
 * itself, under the account's row lock, so a second process comparing the same account after the first
 * sees its report.
 */
export async function alreadyReported(
  uow: UnitOfWork,
  accountId: string,
  reasonCode: string,
  subject: Readonly<Record<string, string>>,
  figures: Readonly<Record<string, string>>,
): Promise<boolean> {
  const last = await uow.latestAudit(accountId, reasonCode, subject);
  const stated = last?.venueResponse;
  if (typeof stated !== 'object' || stated === null) return false;
  const record = stated as Readonly<Record<string, unknown>>;
  return Object.entries(figures).every(([key, value]) => record[key] === value);
}
