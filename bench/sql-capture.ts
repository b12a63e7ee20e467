import pg from 'pg';

/** One statement as a pg client received it, with what it returned. */
export interface CapturedStatement {
  /** Statements with the same session ran on one pool checkout (a transaction, or a lone pool.query). */
  readonly session: number;
  readonly text: string;
  readonly values: readonly unknown[];
  readonly rowMode: 'array' | undefined;
  readonly types: pg.CustomTypesConfig | undefined;
  rows: readonly unknown[];
  rowCount: number | null;
}

export interface SqlRecorder {
  /** Records every statement the pool's clients run while `work` runs (nothing else may use the pool then). */
  capture(work: () => Promise<void>): Promise<CapturedStatement[]>;
  detach(): void;
}

type QueryFunction = (...args: unknown[]) => unknown;

interface QueryShape {
  readonly text?: unknown;
  readonly values?: unknown;
  readonly rowMode?: unknown;
  readonly types?: pg.CustomTypesConfig;
}

function isResult(value: unknown): value is pg.QueryResult {
  return typeof value === 'object' && value !== null && 'rows' in value;
}

/**
 * Wraps `query` of each client the pool hands out (pg.Pool emits `acquire` on every checkout, before the
 * caller gets the client), so the exact text and parameters the application sends are seen, whatever
 * issued them (a Drizzle transaction or pool.query).
 */
export function attachSqlRecorder(pool: pg.Pool): SqlRecorder {
  let recording: CapturedStatement[] | undefined;
  let checkouts = 0;
  const sessions = new WeakMap<pg.PoolClient, number>();

  const onAcquire = (client: pg.PoolClient): void => {
    const wrapped = sessions.has(client);
    checkouts += 1;
    sessions.set(client, checkouts);
    if (wrapped) return;
    const original = client.query as unknown as QueryFunction;
    const replacement: QueryFunction = (...args) => {
      const sink = recording;
      if (!sink) return original.apply(client, args);
      const [first, second] = args;
      const shape: QueryShape = typeof first === 'string' ? { text: first } : ((first ?? {}) as QueryShape);
      const values = Array.isArray(second) ? second : Array.isArray(shape.values) ? shape.values : [];
      const entry: CapturedStatement = {
        session: sessions.get(client) ?? 0,
        text: String(shape.text),
        values: [...(values as unknown[])],
        rowMode: shape.rowMode === 'array' ? 'array' : undefined,
        types: shape.types,
        rows: [],
        rowCount: null,
      };
      sink.push(entry);
      const keep = (result: unknown): void => {
        if (!isResult(result)) return;
        entry.rows = result.rows;
        entry.rowCount = result.rowCount;
      };
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        const callbackArgs = [...args];
        callbackArgs[last] = (error: unknown, result: unknown) => {
          if (!error) keep(result);
          (callback as (error: unknown, result: unknown) => void)(error, result);
        };
        return original.apply(client, callbackArgs);
      }
      const returned = original.apply(client, args);
      if (returned instanceof Promise) returned.then(keep, () => undefined);
      return returned;
    };
    (client as unknown as { query: QueryFunction }).query = replacement;
  };
  pool.on('acquire', onAcquire);

  return {
    async capture(work) {
      if (recording) throw new Error('a capture is already running');
      const sink: CapturedStatement[] = [];
      recording = sink;
      try {
        await work();
      } finally {
        recording = undefined;
      }
      return sink;
    },
    detach() {
      pool.off('acquire', onAcquire);
    },
  };
}
