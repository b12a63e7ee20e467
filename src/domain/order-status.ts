/** Order lifecycle states (DESIGN §3). */
export const ORDER_STATUSES = [
  'PENDING_SUBMIT',
  'SUBMITTED',
  'OPEN',
  'PARTIALLY_FILLED',
  'FILLED',
  'CANCEL_PENDING',
  'CANCELED',
  'REJECTED',
  'EXPIRED',
  'UNKNOWN',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const FINAL_ORDER_STATUSES: readonly OrderStatus[] = ['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'];

export function isFinalOrderStatus(status: OrderStatus): boolean {
  return FINAL_ORDER_STATUSES.includes(status);
}

/** States in which the order may still trade at the venue (funds stay reserved). */
export function isWorkingOrderStatus(status: OrderStatus): boolean {
  return !isFinalOrderStatus(status);
}
