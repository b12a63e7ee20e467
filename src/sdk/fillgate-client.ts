/** A small typed client of the Fillgate REST API (fetch only; runs in Node 20 and browsers). */

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: Readonly<Record<string, unknown>> | null;
    readonly retryable: boolean;
  };
}

export class FillgateApiError extends Error {
  override readonly name = 'FillgateApiError';
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(`${status} ${body.error.code}: ${body.error.message}`);
  }
  get code(): string {
    return this.body.error.code;
  }
}

export interface OrderView {
  readonly id: string;
  readonly account_id: string;
  readonly client_order_id: string;
  readonly exchange_order_id: string | null;
  readonly source: string;
  readonly symbol: string;
  readonly market_type: string;
  readonly side: string;
  readonly type: string;
  readonly quantity: string;
  readonly price: string | null;
  readonly status: string;
  readonly filled_quantity: string;
  readonly average_price: string | null;
  readonly created_at: string;
}

export interface ExecutionResult {
  readonly success: boolean;
  readonly status: 'PLACED' | 'SKIPPED' | 'FAILED';
  readonly order_id: string | null;
  readonly exchange_order_id: string | null;
  readonly reason_code: string | null;
  readonly message: string;
  readonly order: OrderView | null;
}

export interface PlaceOrderInput {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly type: 'market' | 'limit' | 'stop_market' | 'stop_limit' | 'take_profit';
  readonly market_type?: 'spot' | 'futures';
  readonly quantity?: string;
  readonly quote_quantity?: string;
  readonly price?: string;
  readonly stop_price?: string;
  readonly leverage?: number;
  readonly account_id?: string;
  readonly client_order_id?: string;
}

export interface PositionView {
  readonly id: string;
  readonly account_id: string;
  readonly symbol: string;
  readonly market_type: string;
  readonly side: string;
  readonly status: string;
  readonly quantity: string;
  readonly entry_price: string;
  readonly leverage: number;
  readonly unrealized_pnl?: string | null;
  readonly realized_pnl: string;
}

export interface ExecutionLog {
  readonly id: number;
  readonly created_at: string;
  readonly source: string;
  readonly status: string;
  readonly symbol: string | null;
  readonly side: string | null;
  readonly order_id: string | null;
  readonly exchange_order_id: string | null;
  readonly reason_code: string | null;
  readonly message: string;
}

export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly created_at: string;
  readonly revoked_at: string | null;
}

export interface Session {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token: string;
}

export interface CreatedUser {
  readonly id: string;
  readonly email: string;
  readonly role: 'user' | 'admin';
  readonly accounts: readonly { readonly id: string; readonly market_type: string; readonly venue: string }[];
}

/** A live exchange account as the API shows it: the key masked, the secret never. */
export interface ExchangeAccount {
  readonly account_id: string;
  readonly venue: 'binance' | 'binanceusdm';
  readonly venue_id: string;
  readonly market_type: string;
  readonly label: string;
  readonly base_url: string | null;
  readonly api_key: string;
  readonly created_at: string;
}

export interface AddExchangeAccountInput {
  readonly venue: 'binance' | 'binanceusdm';
  readonly api_key: string;
  readonly api_secret: string;
  readonly base_url?: string;
  readonly label?: string;
}

/** Every call the SDK makes, as `METHOD /path` with OpenAPI-style params (checked against /docs/json in tests). */
export const SDK_OPERATIONS = [
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/users',
  'POST /api/v1/tokens',
  'GET /api/v1/tokens',
  'DELETE /api/v1/tokens/{id}',
  'POST /api/v1/orders',
  'GET /api/v1/orders',
  'GET /api/v1/orders/{id}',
  'POST /api/v1/orders/{id}/cancel',
  'GET /api/v1/positions',
  'GET /api/v1/balances',
  'GET /api/v1/accounts',
  'GET /api/trading/execution-logs',
  'POST /api/v1/kill-switch',
  'DELETE /api/v1/kill-switch',
  'POST /api/v1/exchange-accounts',
  'GET /api/v1/exchange-accounts',
  'DELETE /api/v1/exchange-accounts/{id}',
] as const;

export interface ClientOptions {
  readonly baseUrl: string;
  readonly token?: string;
  readonly fetch?: typeof fetch;
}

export class FillgateClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  private async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const res = await this.fetchImpl(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (
      !res.ok &&
      !(res.status === 422 && isExecutionResult(json)) &&
      !(res.status === 502 && isExecutionResult(json))
    ) {
      throw new FillgateApiError(res.status, json as ErrorBody);
    }
    return json as T;
  }

  login(email: string, password: string): Promise<Session> {
    return this.request('POST', '/api/v1/auth/login', { email, password });
  }
  refresh(refreshToken: string): Promise<Session> {
    return this.request('POST', '/api/v1/auth/refresh', { refresh_token: refreshToken });
  }
  createUser(input: { email: string; password: string; role?: 'user' | 'admin' }): Promise<CreatedUser> {
    return this.request('POST', '/api/v1/users', input);
  }
  createToken(
    name: string,
    scopes: readonly ('read' | 'trade' | 'admin')[],
  ): Promise<ApiToken & { token: string }> {
    return this.request('POST', '/api/v1/tokens', { name, scopes });
  }
  async listTokens(): Promise<readonly ApiToken[]> {
    return (await this.request<{ tokens: ApiToken[] }>('GET', '/api/v1/tokens')).tokens;
  }
  async revokeToken(id: string): Promise<void> {
    await this.request('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
  }
  /** Places an order; SKIPPED (422) and FAILED (502) come back as results, not exceptions. */
  placeOrder(input: PlaceOrderInput, idempotencyKey?: string): Promise<ExecutionResult> {
    return this.request(
      'POST',
      '/api/v1/orders',
      input,
      idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    );
  }
  listOrders(filter: { status?: string; symbol?: string; limit?: number; cursor?: string } = {}) {
    const query = new URLSearchParams(
      Object.entries(filter)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return this.request<{ orders: OrderView[]; next_cursor: string | null }>(
      'GET',
      `/api/v1/orders${query ? `?${query}` : ''}`,
    );
  }
  getOrder(id: string): Promise<OrderView> {
    return this.request('GET', `/api/v1/orders/${encodeURIComponent(id)}`);
  }
  cancelOrder(id: string): Promise<{ message: string; order: OrderView }> {
    return this.request('POST', `/api/v1/orders/${encodeURIComponent(id)}/cancel`);
  }
  async positions(): Promise<readonly PositionView[]> {
    return (await this.request<{ positions: PositionView[] }>('GET', '/api/v1/positions')).positions;
  }
  async balances() {
    return (
      await this.request<{
        balances: { account_id: string; asset: string; total: string; reserved: string; free: string }[];
      }>('GET', '/api/v1/balances')
    ).balances;
  }
  async accounts() {
    return (
      await this.request<{
        accounts: { id: string; venue: string; market_type: string; label: string; trading_state: string }[];
      }>('GET', '/api/v1/accounts')
    ).accounts;
  }
  async executionLogs(source?: string): Promise<readonly ExecutionLog[]> {
    const query = source ? `?source=${encodeURIComponent(source)}` : '';
    return (await this.request<{ logs: ExecutionLog[] }>('GET', `/api/trading/execution-logs${query}`)).logs;
  }
  killSwitch(input: { account_id?: string; flatten?: boolean; scope?: 'all' } = {}) {
    return this.request<{ engaged: true; accounts: unknown[] }>('POST', '/api/v1/kill-switch', input);
  }
  releaseKillSwitch(input: { account_id?: string; scope?: 'all' } = {}) {
    const query = new URLSearchParams(
      Object.entries(input)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return this.request<{ engaged: false; accounts: string[] }>(
      'DELETE',
      `/api/v1/kill-switch${query ? `?${query}` : ''}`,
    );
  }
  /** Stores an exchange key (encrypted at rest); the server checks it against the venue first. */
  addExchangeAccount(input: AddExchangeAccountInput): Promise<ExchangeAccount> {
    return this.request('POST', '/api/v1/exchange-accounts', input);
  }
  async listExchangeAccounts(): Promise<readonly ExchangeAccount[]> {
    return (await this.request<{ data: ExchangeAccount[] }>('GET', '/api/v1/exchange-accounts')).data;
  }
  async removeExchangeAccount(accountId: string): Promise<void> {
    await this.request('DELETE', `/api/v1/exchange-accounts/${encodeURIComponent(accountId)}`);
  }
}

function isExecutionResult(value: unknown): value is ExecutionResult {
  return typeof value === 'object' && value !== null && 'status' in value && 'success' in value;
}
