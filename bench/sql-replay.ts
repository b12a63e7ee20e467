import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { CapturedStatement } from './sql-capture.ts';

/** Who a replayed order belongs to: the captured order's user is mapped onto one of these per worker. */
export interface ReplayIdentity {
  readonly userId: string;
  readonly spotAccountId: string;
  readonly futuresAccountId: string;
  readonly tokenHash: string;
}

interface ResultRef {
  readonly statement: number;
  readonly row: number;
  readonly column: number | string;
}

/** Where the replay takes a value that the captured order had. */
type TokenSource =
  | { readonly kind: 'identity'; readonly key: keyof ReplayIdentity }
  | { readonly kind: 'fresh-uuid'; readonly slot: number; readonly dashless: boolean }
  | { readonly kind: 'fresh-venue-id'; readonly slot: number }
  | { readonly kind: 'result'; readonly at: ResultRef };

type ParamPlan =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'result'; readonly at: ResultRef; readonly as: 'number' | 'string' }
  | { readonly kind: 'text'; readonly value: string };

interface StatementPlan {
  readonly index: number;
  readonly text: string;
  readonly rowMode: 'array' | undefined;
  readonly types: pg.CustomTypesConfig | undefined;
  readonly params: readonly ParamPlan[];
  readonly expectedRowCount: number | null;
}

interface SessionPlan {
  /** A single statement the application ran through pool.query; otherwise one checkout for all of them. */
  readonly pooled: boolean;
  readonly statements: readonly StatementPlan[];
}

export interface ReplayPlan {
  readonly sessions: readonly SessionPlan[];
  readonly statementCount: number;
  readonly tokens: ReadonlyMap<string, TokenSource>;
  readonly pattern: RegExp;
  readonly freshUuids: number;
  /** For each fresh venue id slot: a trade id (`…-t<n>`) or an order id (`…-<n>`). */
  readonly venueIdIsTrade: readonly boolean[];
  readonly substitutions: Readonly<Record<string, number>>;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const ISO_TIME = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';
const ISO_TIME_ONLY = new RegExp(`^${ISO_TIME}$`);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function cells(row: unknown): [number | string, unknown][] {
  if (Array.isArray(row)) return row.map((value, index) => [index, value]);
  if (typeof row === 'object' && row !== null) return Object.entries(row);
  return [];
}

function cell(rows: readonly unknown[] | undefined, at: ResultRef): unknown {
  const row = rows?.[at.row];
  if (Array.isArray(row) && typeof at.column === 'number') return row[at.column];
  if (typeof row === 'object' && row !== null && typeof at.column === 'string') {
    return (row as Record<string, unknown>)[at.column];
  }
  return undefined;
}

const isScalar = (value: unknown): value is string | number | bigint =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint';

/**
 * Turns one captured order into a template that can be replayed for any account:
 *  - the captured user, its accounts and its token hash become the worker's;
 *  - UUIDs the application generated (first seen as a parameter: order, fill) are fresh per replayed order,
 *    with their dashless form (the `fg…` client order id) following;
 *  - the venue's order and trade ids (`<instanceId>-<n>`, `<instanceId>-t<n>`) are fresh per order;
 *  - values the database handed out (first seen in a one-row result: the position id, the per-user event
 *    sequence, the audit chain head) are taken from the replay's own result of the same statement;
 *  - ISO timestamps are the time of the replay;
 *  - everything else is sent exactly as captured.
 */
export function buildReplayPlan(
  captured: readonly CapturedStatement[],
  captureIdentity: ReplayIdentity,
  venueInstanceId: string,
): ReplayPlan {
  const tokens = new Map<string, TokenSource>();
  const substitutions: Record<string, number> = {};
  const count = (kind: string): void => {
    substitutions[kind] = (substitutions[kind] ?? 0) + 1;
  };
  for (const key of ['userId', 'spotAccountId', 'futuresAccountId', 'tokenHash'] as const) {
    tokens.set(captureIdentity[key], { kind: 'identity', key });
  }
  /** Scalars a one-row result handed out, where they were last seen, unless the application sent them first. */
  const fromDatabase = new Map<string, ResultRef>();
  const sent = new Set<string>();
  const venuePattern = new RegExp(`(?<![0-9a-z])${escape(venueInstanceId)}-t?\\d+(?![0-9a-z-])`, 'g');
  let freshUuids = 0;
  const venueIdIsTrade: boolean[] = [];

  const anyTime = new RegExp(ISO_TIME);
  const hasToken = (value: string): boolean => {
    for (const token of tokens.keys()) if (value.includes(token)) return true;
    return anyTime.test(value);
  };
  const learnTokens = (text: string): void => {
    for (const [uuid] of text.matchAll(UUID)) {
      if (tokens.has(uuid)) continue;
      const origin = fromDatabase.get(uuid);
      if (origin) {
        tokens.set(uuid, { kind: 'result', at: origin });
      } else {
        const slot = freshUuids++;
        tokens.set(uuid, { kind: 'fresh-uuid', slot, dashless: false });
        tokens.set(uuid.replace(/-/g, ''), { kind: 'fresh-uuid', slot, dashless: true });
      }
    }
    for (const [venueId] of text.matchAll(venuePattern)) {
      if (tokens.has(venueId)) continue;
      tokens.set(venueId, { kind: 'fresh-venue-id', slot: venueIdIsTrade.length });
      venueIdIsTrade.push(venueId.slice(venueInstanceId.length + 1).startsWith('t'));
    }
  };
  const plans: StatementPlan[] = captured.map((statement, index) => {
    for (const value of statement.values) if (typeof value === 'string') learnTokens(value);
    const params = statement.values.map((value): ParamPlan => {
      if (isScalar(value)) {
        const key = String(value);
        const origin = tokens.has(key) ? undefined : fromDatabase.get(key);
        if (origin) {
          count('database value');
          return { kind: 'result', at: origin, as: typeof value === 'string' ? 'string' : 'number' };
        }
      }
      if (typeof value === 'string' && hasToken(value)) {
        count(ISO_TIME_ONLY.test(value) ? 'timestamp' : 'templated text');
        return { kind: 'text', value };
      }
      return { kind: 'literal', value };
    });
    for (const value of statement.values) if (isScalar(value)) sent.add(String(value));
    if (statement.rows.length === 1) {
      for (const [column, value] of cells(statement.rows[0])) {
        if (!isScalar(value)) continue;
        const key = String(value);
        if (!sent.has(key) && !tokens.has(key)) fromDatabase.set(key, { statement: index, row: 0, column });
      }
    }
    return {
      index,
      text: statement.text,
      rowMode: statement.rowMode,
      types: statement.types,
      params,
      // Writes must touch what the captured order touched; a read's row count depends on the data and the
      // clock (the risk checks read a time window), so only its text and parameters are replayed.
      expectedRowCount: /^\s*select\b/i.test(statement.text) ? null : statement.rowCount,
    };
  });

  const sessions: SessionPlan[] = [];
  plans.forEach((plan, index) => {
    const last = sessions[sessions.length - 1];
    if (last && captured[last.statements[0]!.index]!.session === captured[index]!.session) {
      (last.statements as StatementPlan[]).push(plan);
    } else {
      sessions.push({ pooled: plan.text.trim().toLowerCase() !== 'begin', statements: [plan] });
    }
  });
  for (const source of tokens.values()) count(`token:${source.kind}`);

  const alternatives = [...tokens.keys()].sort((a, b) => b.length - a.length).map(escape);
  return {
    sessions,
    statementCount: plans.length,
    tokens,
    pattern: new RegExp([...alternatives, ISO_TIME].join('|'), 'g'),
    freshUuids,
    venueIdIsTrade: [...venueIdIsTrade],
    substitutions,
  };
}

/** One line per statement: what each parameter of the replay is taken from. */
export function describeReplayPlan(plan: ReplayPlan): string[] {
  const where = (at: ResultRef): string => `result of #${at.statement}[${at.row}][${at.column}]`;
  return plan.sessions.flatMap((session) =>
    session.statements.map((statement) => {
      const params = statement.params.map((param) =>
        param.kind === 'result'
          ? where(param.at)
          : param.kind === 'text'
            ? `text ${param.value.length}ch`
            : 'as captured',
      );
      return `#${statement.index} ${statement.text.slice(0, 70)} <- ${params.join('; ') || '-'}`;
    }),
  );
}

export interface SqlReplayOptions {
  readonly pool: pg.Pool;
  readonly plan: ReplayPlan;
  /** One identity per connection: worker i replays as `identities[i]`. */
  readonly identities: readonly ReplayIdentity[];
  readonly connections: number;
  readonly orders: number;
}

export interface SqlReplayResult {
  readonly latenciesNs: readonly bigint[];
  readonly wallNs: bigint;
  readonly failures: number;
  readonly failureSamples: readonly string[];
}

/** Fresh venue ids never collide with the application's (its instance ids are 8 hex characters). */
const venuePrefix = `replay${randomBytes(3).toString('hex')}`;
let venueSequence = 0;

class ReplayMismatch extends Error {
  override readonly name = 'ReplayMismatch';
}

async function replayOrder(pool: pg.Pool, plan: ReplayPlan, identity: ReplayIdentity): Promise<void> {
  const results: (readonly unknown[] | undefined)[] = new Array<readonly unknown[] | undefined>(
    plan.statementCount,
  );
  const fresh = Array.from({ length: plan.freshUuids }, () => randomUUID());
  const venueIds = plan.venueIdIsTrade.map((trade) => `${venuePrefix}-${trade ? 't' : ''}${++venueSequence}`);
  const now = new Date().toISOString();

  const resolveResult = (at: ResultRef): unknown => {
    const value = cell(results[at.statement], at);
    if (value === undefined) throw new ReplayMismatch(`statement ${at.statement} returned no value to reuse`);
    return value;
  };
  const substitute = (token: string): string => {
    const source = plan.tokens.get(token);
    if (!source) return now;
    switch (source.kind) {
      case 'identity':
        return identity[source.key];
      case 'fresh-uuid':
        return source.dashless ? fresh[source.slot]!.replace(/-/g, '') : fresh[source.slot]!;
      case 'fresh-venue-id':
        return venueIds[source.slot]!;
      case 'result':
        return String(resolveResult(source.at));
    }
  };
  const values = (statement: StatementPlan): unknown[] =>
    statement.params.map((param) => {
      switch (param.kind) {
        case 'literal':
          return param.value;
        case 'result': {
          const value = resolveResult(param.at);
          return param.as === 'number' ? Number(value) : String(value);
        }
        case 'text':
          return param.value.replace(plan.pattern, substitute);
      }
    });
  const run = async (client: pg.Pool | pg.PoolClient, statement: StatementPlan): Promise<void> => {
    const config: pg.QueryConfig = {
      text: statement.text,
      values: values(statement),
      ...(statement.types && { types: statement.types }),
    };
    const result =
      statement.rowMode === 'array'
        ? await client.query({ ...config, rowMode: 'array' } satisfies pg.QueryArrayConfig)
        : await client.query(config);
    if (statement.expectedRowCount !== null && result.rowCount !== statement.expectedRowCount) {
      throw new ReplayMismatch(
        `statement ${statement.index} (${statement.text.slice(0, 60)}…) touched ${result.rowCount} rows, the captured one ${statement.expectedRowCount}`,
      );
    }
    results[statement.index] = result.rows;
  };

  for (const session of plan.sessions) {
    if (session.pooled) {
      await run(pool, session.statements[0]!);
      continue;
    }
    const client = await pool.connect();
    try {
      for (const statement of session.statements) await run(client, statement);
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** The captured statement sequence issued directly, `connections` workers, one identity each. */
export async function runSqlReplay(options: SqlReplayOptions): Promise<SqlReplayResult> {
  if (options.identities.length < options.connections) {
    throw new RangeError(`${options.connections} connections need as many identities`);
  }
  const latenciesNs: bigint[] = [];
  const failureSamples: string[] = [];
  let failures = 0;
  let claimed = 0;
  const worker = async (identity: ReplayIdentity): Promise<void> => {
    while (claimed < options.orders) {
      claimed += 1;
      const sent = process.hrtime.bigint();
      try {
        await replayOrder(options.pool, options.plan, identity);
        latenciesNs.push(process.hrtime.bigint() - sent);
      } catch (error) {
        failures += 1;
        if (failureSamples.length < 5)
          failureSamples.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(options.identities.slice(0, options.connections).map(worker));
  return { latenciesNs, wallNs: process.hrtime.bigint() - started, failures, failureSamples };
}
