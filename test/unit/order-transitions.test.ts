import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FINAL_ORDER_STATUSES, ORDER_STATUSES, type OrderStatus } from '../../src/domain/order-status.ts';
import {
  ORDER_EVENT_KINDS,
  ORDER_TRANSITIONS,
  type OrderEvent,
  VENUE_EVIDENCE_EVENTS,
  isInvalidTransition,
  transitionOrder,
} from '../../src/domain/order-transitions.ts';

const eventArb: fc.Arbitrary<OrderEvent> = fc.oneof(
  fc.constantFrom<OrderEvent>(
    { kind: 'submit_sent' },
    { kind: 'accepted' },
    { kind: 'partially_filled' },
    { kind: 'filled' },
    { kind: 'cancel_requested' },
    { kind: 'canceled' },
    { kind: 'rejected' },
    { kind: 'expired' },
    { kind: 'outcome_unknown' },
    { kind: 'not_found_at_venue' },
  ),
  fc.boolean().map((hasFills): OrderEvent => ({ kind: 'cancel_rejected', hasFills })),
);
const statusArb = fc.constantFrom(...ORDER_STATUSES);

/** Applies the valid events and skips the invalid ones, returning every state reached. */
function walk(from: OrderStatus, events: readonly OrderEvent[]): OrderStatus[] {
  const states: OrderStatus[] = [from];
  let state = from;
  for (const event of events) {
    const next = transitionOrder(state, event);
    if (!isInvalidTransition(next)) state = next;
    states.push(state);
  }
  return states;
}

function allEvents(): OrderEvent[] {
  return ORDER_EVENT_KINDS.flatMap((kind): OrderEvent[] =>
    kind === 'cancel_rejected'
      ? [
          { kind, hasFills: true },
          { kind, hasFills: false },
        ]
      : [{ kind } as OrderEvent],
  );
}

describe('transitionOrder properties', () => {
  it('only ever reaches declared statuses from PENDING_SUBMIT', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
        for (const state of walk('PENDING_SUBMIT', events)) expect(ORDER_STATUSES).toContain(state);
      }),
    );
  });

  it('reports an invalid transition as data naming the state and event, and never changes state', () => {
    fc.assert(
      fc.property(statusArb, eventArb, (state, event) => {
        const result = transitionOrder(state, event);
        if (!isInvalidTransition(result)) return;
        expect(result.from).toBe(state);
        expect(result.event).toBe(event.kind);
        expect(result.message).toContain(state);
        expect(result.message).toContain(event.kind);
        expect(walk(state, [event])).toEqual([state, state]);
      }),
    );
  });

  it('never leaves FILLED, REJECTED or EXPIRED', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<OrderStatus>('FILLED', 'REJECTED', 'EXPIRED'),
        fc.array(eventArb),
        (from, events) => {
          for (const state of walk(from, events)) expect(state).toBe(from);
        },
      ),
    );
  });

  it('from CANCELED reaches only CANCELED or FILLED (a late fill)', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
        for (const state of walk('CANCELED', events)) expect(['CANCELED', 'FILLED']).toContain(state);
      }),
    );
  });

  it('defines every (state, event) pair: a status or an invalid transition, never a throw or undefined', () => {
    for (const state of ORDER_STATUSES) {
      for (const event of allEvents()) {
        const result = transitionOrder(state, event);
        expect(result).toBeDefined();
        if (typeof result === 'string') expect(ORDER_STATUSES).toContain(result);
        else expect(result.kind).toBe('invalid_transition');
      }
    }
  });

  it('leaves UNKNOWN only on venue evidence, and never to a final state otherwise', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
        let state: OrderStatus = 'UNKNOWN';
        for (const event of events) {
          const next = transitionOrder(state, event);
          if (isInvalidTransition(next)) continue;
          if (state === 'UNKNOWN' && !VENUE_EVIDENCE_EVENTS.includes(event.kind)) {
            expect(next).toBe('UNKNOWN');
            expect(FINAL_ORDER_STATUSES).not.toContain(next);
          }
          state = next;
        }
      }),
    );
  });

  it('keeps the printable table in step with the function', () => {
    for (const state of ORDER_STATUSES) {
      for (const event of allEvents()) {
        const target = ORDER_TRANSITIONS[state][event.kind];
        const result = transitionOrder(state, event);
        expect(isInvalidTransition(result)).toBe(target === undefined);
      }
    }
    expect(JSON.parse(JSON.stringify(ORDER_TRANSITIONS))).toEqual(ORDER_TRANSITIONS);
  });
});

describe('transitionOrder examples', () => {
  const go = (state: OrderStatus, event: OrderEvent): OrderStatus | string => {
    const result = transitionOrder(state, event);
    return isInvalidTransition(result) ? `invalid: ${result.message}` : result;
  };

  it('follows the happy path PENDING_SUBMIT -> SUBMITTED -> OPEN -> PARTIALLY_FILLED -> FILLED', () => {
    const events: OrderEvent[] = [
      { kind: 'submit_sent' },
      { kind: 'accepted' },
      { kind: 'partially_filled' },
      { kind: 'filled' },
    ];
    expect(walk('PENDING_SUBMIT', events)).toEqual([
      'PENDING_SUBMIT',
      'SUBMITTED',
      'OPEN',
      'PARTIALLY_FILLED',
      'FILLED',
    ]);
  });

  it('returns to OPEN or PARTIALLY_FILLED when the venue refuses a cancel, by whether it had fills', () => {
    expect(go('CANCEL_PENDING', { kind: 'cancel_rejected', hasFills: true })).toBe('PARTIALLY_FILLED');
    expect(go('CANCEL_PENDING', { kind: 'cancel_rejected', hasFills: false })).toBe('OPEN');
  });

  it('stays CANCEL_PENDING on a partial fill while the cancel is in flight', () => {
    expect(go('CANCEL_PENDING', { kind: 'partially_filled' })).toBe('CANCEL_PENDING');
    expect(go('CANCEL_PENDING', { kind: 'filled' })).toBe('FILLED');
  });

  it('records late fills after a cancel: a partial keeps CANCELED, a completing fill makes it FILLED', () => {
    expect(go('CANCELED', { kind: 'partially_filled' })).toBe('CANCELED');
    expect(go('CANCELED', { kind: 'filled' })).toBe('FILLED');
    expect(go('CANCELED', { kind: 'accepted' })).toBe(
      'invalid: Order in state CANCELED cannot take event accepted.',
    );
  });

  it('makes an UNKNOWN order resendable only when the venue proves it never saw it', () => {
    expect(go('SUBMITTED', { kind: 'outcome_unknown' })).toBe('UNKNOWN');
    expect(go('UNKNOWN', { kind: 'not_found_at_venue' })).toBe('PENDING_SUBMIT');
    expect(go('UNKNOWN', { kind: 'submit_sent' })).toMatch(/^invalid/);
    expect(go('UNKNOWN', { kind: 'cancel_requested' })).toMatch(/^invalid/);
    expect(go('OPEN', { kind: 'not_found_at_venue' })).toMatch(/^invalid/);
  });

  it('cancels an order that was never sent without a round trip', () => {
    expect(go('PENDING_SUBMIT', { kind: 'canceled' })).toBe('CANCELED');
    expect(go('PENDING_SUBMIT', { kind: 'cancel_requested' })).toMatch(/^invalid/);
  });

  it('does not let a final order be reopened or rejected later', () => {
    expect(go('FILLED', { kind: 'canceled' })).toMatch(/^invalid/);
    expect(go('REJECTED', { kind: 'accepted' })).toMatch(/^invalid/);
    expect(go('EXPIRED', { kind: 'filled' })).toMatch(/^invalid/);
    expect(go('FILLED', { kind: 'filled' })).toBe('FILLED');
  });
});
