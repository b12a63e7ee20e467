import type { OrderStatus } from './order-status.ts';

/** What can happen to an order: our own actions (submit, cancel request) and the venue's reports. */
export type OrderEvent =
  | { readonly kind: 'submit_sent' }
  | { readonly kind: 'accepted' }
  | { readonly kind: 'partially_filled' }
  | { readonly kind: 'filled' }
  | { readonly kind: 'cancel_requested' }
  | { readonly kind: 'cancel_rejected'; readonly hasFills: boolean }
  | { readonly kind: 'canceled' }
  | { readonly kind: 'rejected' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'outcome_unknown' }
  | { readonly kind: 'not_found_at_venue' };

export type OrderEventKind = OrderEvent['kind'];

export const ORDER_EVENT_KINDS: readonly OrderEventKind[] = [
  'submit_sent',
  'accepted',
  'partially_filled',
  'filled',
  'cancel_requested',
  'cancel_rejected',
  'canceled',
  'rejected',
  'expired',
  'outcome_unknown',
  'not_found_at_venue',
];

/**
 * Events that carry the venue's word about the order. Only these may move an order out of UNKNOWN:
 * `submit_sent`, `cancel_requested` and `outcome_unknown` are our own actions or our own ignorance.
 */
export const VENUE_EVIDENCE_EVENTS: readonly OrderEventKind[] = [
  'accepted',
  'partially_filled',
  'filled',
  'cancel_rejected',
  'canceled',
  'rejected',
  'expired',
  'not_found_at_venue',
];

export interface InvalidTransition {
  readonly kind: 'invalid_transition';
  readonly from: OrderStatus;
  readonly event: OrderEventKind;
  readonly message: string;
}

/** A target that depends on the event's payload; kept as data so the table stays printable. */
export interface TargetByFills {
  readonly kind: 'by_fills';
  readonly withFills: OrderStatus;
  readonly withoutFills: OrderStatus;
}

export type TransitionTarget = OrderStatus | TargetByFills;

export type OrderTransitionTable = {
  readonly [S in OrderStatus]: Readonly<Partial<Record<OrderEventKind, TransitionTarget>>>;
};

/** The whole order lifecycle (DESIGN §3). A pair missing here is an invalid transition. */
export const ORDER_TRANSITIONS: OrderTransitionTable = {
  PENDING_SUBMIT: {
    submit_sent: 'SUBMITTED',
    accepted: 'OPEN',
    partially_filled: 'PARTIALLY_FILLED',
    filled: 'FILLED',
    rejected: 'REJECTED',
    expired: 'EXPIRED',
    outcome_unknown: 'UNKNOWN',
    // Canceled before it was ever sent: nothing is at the venue, so no CANCEL_PENDING round trip.
    canceled: 'CANCELED',
  },
  SUBMITTED: {
    accepted: 'OPEN',
    partially_filled: 'PARTIALLY_FILLED',
    filled: 'FILLED',
    rejected: 'REJECTED',
    expired: 'EXPIRED',
    canceled: 'CANCELED',
    outcome_unknown: 'UNKNOWN',
    cancel_requested: 'CANCEL_PENDING',
  },
  OPEN: {
    accepted: 'OPEN',
    partially_filled: 'PARTIALLY_FILLED',
    filled: 'FILLED',
    cancel_requested: 'CANCEL_PENDING',
    canceled: 'CANCELED',
    expired: 'EXPIRED',
  },
  PARTIALLY_FILLED: {
    partially_filled: 'PARTIALLY_FILLED',
    filled: 'FILLED',
    cancel_requested: 'CANCEL_PENDING',
    canceled: 'CANCELED',
    expired: 'EXPIRED',
  },
  CANCEL_PENDING: {
    cancel_requested: 'CANCEL_PENDING',
    canceled: 'CANCELED',
    // The fill is recorded, but the cancel we asked for is still what we are waiting on.
    partially_filled: 'CANCEL_PENDING',
    filled: 'FILLED',
    expired: 'EXPIRED',
    cancel_rejected: { kind: 'by_fills', withFills: 'PARTIALLY_FILLED', withoutFills: 'OPEN' },
    // A late acknowledgement of the original order changes nothing about the cancel we wait on.
    accepted: 'CANCEL_PENDING',
    // The venue refused the original order while our cancel was in flight.
    rejected: 'REJECTED',
  },
  UNKNOWN: {
    accepted: 'OPEN',
    partially_filled: 'PARTIALLY_FILLED',
    filled: 'FILLED',
    canceled: 'CANCELED',
    expired: 'EXPIRED',
    rejected: 'REJECTED',
    // The venue proved it never saw the order, so resending with the same client order id is safe.
    not_found_at_venue: 'PENDING_SUBMIT',
    outcome_unknown: 'UNKNOWN',
  },
  FILLED: { filled: 'FILLED' },
  REJECTED: { rejected: 'REJECTED' },
  EXPIRED: { expired: 'EXPIRED' },
  CANCELED: {
    canceled: 'CANCELED',
    // A fill that happened before the cancel took effect, reported late: recorded, state stays.
    partially_filled: 'CANCELED',
    // A late fill that completes the order: the one real-world exception to "final stays final".
    filled: 'FILLED',
  },
};

/** The one order transition function: every status change goes through here. */
export function transitionOrder(state: OrderStatus, event: OrderEvent): OrderStatus | InvalidTransition {
  const target = ORDER_TRANSITIONS[state][event.kind];
  if (target === undefined) {
    return {
      kind: 'invalid_transition',
      from: state,
      event: event.kind,
      message: `Order in state ${state} cannot take event ${event.kind}.`,
    };
  }
  if (typeof target === 'string') return target;
  const hasFills = event.kind === 'cancel_rejected' && event.hasFills;
  return hasFills ? target.withFills : target.withoutFills;
}

export function isInvalidTransition(value: unknown): value is InvalidTransition {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'invalid_transition'
  );
}
