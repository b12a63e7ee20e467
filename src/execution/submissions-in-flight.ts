/**
 * Orders of this process whose submission to the venue is under way: from admission until the venue's
 * answer is recorded. An order's `updatedAt` dates its admission, not the moment its request is signed
 * and sent, which can be seconds later on a busy process (a leverage call, the weight budget, retries).
 * Until the send is over, "not found at the venue" proves nothing, so the reconciler must not resend.
 */
export class SubmissionsInFlight {
  private readonly counts = new Map<string, number>();

  has(orderId: string): boolean {
    return this.counts.has(orderId);
  }

  /** Holds `orderId` as in flight while `work` runs (nested holds of one order are counted). */
  async around<T>(orderId: string, work: () => Promise<T>): Promise<T> {
    this.counts.set(orderId, (this.counts.get(orderId) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.counts.get(orderId) ?? 1) - 1;
      if (left === 0) this.counts.delete(orderId);
      else this.counts.set(orderId, left);
    }
  }
}
