/** Position lifecycle (DESIGN §3): CREATED -> SUBMITTING -> OPEN -> MONITORING -> CLOSING -> CLOSED, and FAILED. */
export const POSITION_STATUSES = [
  'CREATED',
  'SUBMITTING',
  'OPEN',
  'MONITORING',
  'CLOSING',
  'CLOSED',
  'FAILED',
] as const;
export type PositionStatus = (typeof POSITION_STATUSES)[number];

export type PositionEvent =
  | { readonly kind: 'submit' }
  | { readonly kind: 'opened' }
  | { readonly kind: 'monitor' }
  | { readonly kind: 'close_requested' }
  | { readonly kind: 'reopened' }
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed' };

export interface InvalidPositionTransition {
  readonly kind: 'invalid_transition';
  readonly from: PositionStatus;
  readonly event: PositionEvent['kind'];
  readonly message: string;
}

type Table = Readonly<Record<PositionStatus, Partial<Record<PositionEvent['kind'], PositionStatus>>>>;

export const POSITION_TRANSITIONS: Table = {
  CREATED: { submit: 'SUBMITTING', opened: 'OPEN', failed: 'FAILED' },
  SUBMITTING: { opened: 'OPEN', failed: 'FAILED', submit: 'SUBMITTING' },
  OPEN: { opened: 'OPEN', monitor: 'MONITORING', close_requested: 'CLOSING', closed: 'CLOSED' },
  MONITORING: { opened: 'MONITORING', monitor: 'MONITORING', close_requested: 'CLOSING', closed: 'CLOSED' },
  // A close order that expires or is canceled leaves the position open again.
  CLOSING: { close_requested: 'CLOSING', reopened: 'OPEN', opened: 'CLOSING', closed: 'CLOSED' },
  CLOSED: { closed: 'CLOSED' },
  FAILED: { failed: 'FAILED' },
};

export function transitionPosition(
  state: PositionStatus,
  event: PositionEvent,
): PositionStatus | InvalidPositionTransition {
  const next = POSITION_TRANSITIONS[state][event.kind];
  if (next) return next;
  return {
    kind: 'invalid_transition',
    from: state,
    event: event.kind,
    message: `position in ${state} cannot take event ${event.kind}`,
  };
}

export function isLivePositionStatus(status: PositionStatus): boolean {
  return status !== 'CLOSED' && status !== 'FAILED';
}
