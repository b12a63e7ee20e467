import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import {
  classifyBinanceError,
  isDuplicateOrder,
  isOrderNotFound,
  sanitizeVenueMessage,
} from '../../src/venues/ccxt/binance-error-map.ts';

const body = (code: number, msg: string) => `binance {"code":${code},"msg":"${msg}"}`;

describe('Binance error map (the only place venue errors are classified)', () => {
  it.each([
    [
      'insufficient funds',
      new ccxt.InsufficientFunds(body(-2010, 'Account has insufficient balance for requested action.')),
    ],
    ['filter failure', new ccxt.InvalidOrder(body(-1013, 'Filter failure: NOTIONAL'))],
    ['bad request', new ccxt.BadRequest(body(-1102, 'Mandatory parameter was not sent.'))],
    [
      'authentication',
      new ccxt.AuthenticationError(body(-2015, 'Invalid API-key, IP, or permissions for action.')),
    ],
    ['bad symbol', new ccxt.BadSymbol(body(-1121, 'Invalid symbol.'))],
  ])('%s: definitely rejected, not retried', (_name, error) => {
    expect(classifyBinanceError(error)).toMatchObject({ outcome: 'rejected', retryable: false });
  });

  it.each([
    ['timeout', new ccxt.RequestTimeout('binance POST http://x/api/v3/order request timed out (10000 ms)')],
    ['-1007', new ccxt.RequestTimeout(body(-1007, 'Timeout waiting for response from backend server.'))],
    [
      '503',
      new ccxt.ExchangeNotAvailable(`binance 503 Service Unavailable ${body(-1001, 'Internal error')}`),
    ],
    ['reset', new ccxt.NetworkError('binance POST http://x/api/v3/order ECONNRESET socket hang up')],
    ['uncoded 5xx', new ccxt.ExchangeError('binance 500 <html>oops</html>')],
  ])('%s: outcome unknown', (_name, error) => {
    expect(classifyBinanceError(error).outcome).toBe('unknown');
  });

  it.each([
    [
      '-4120 conditional type on /fapi/v1/order',
      new ccxt.ExchangeError(
        body(
          -4120,
          'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.',
        ),
      ),
    ],
    ['-20121 algo bad symbol', new ccxt.ExchangeError(body(-20121, 'Invalid symbol.'))],
    ['-20124 algo completed', new ccxt.BadRequest(body(-20124, 'Invalid algo id or it has been completed.'))],
    ['-20130 algo bad parameter', new ccxt.ExchangeError(body(-20130, 'Invalid data sent for a parameter'))],
    ['-20132 algo duplicate id', new ccxt.ExchangeError(body(-20132, 'The client algo id is duplicated.'))],
  ])('USD-M algo service %s: definitely rejected with its code, not retried', (_name, error) => {
    const code = /"code":(-\d+)/.exec(error.message)![1];
    expect(classifyBinanceError(error)).toMatchObject({
      outcome: 'rejected',
      code,
      retryable: false,
      infrastructure: false,
    });
  });

  it('algo: -20124 reads as "no such working order", -20132 and -4116 as a duplicate client id', () => {
    expect(
      isOrderNotFound(new ccxt.ExchangeError(body(-20124, 'Invalid algo id or it has been completed.'))),
    ).toBe(true);
    expect(isDuplicateOrder(new ccxt.ExchangeError(body(-20132, 'The client algo id is duplicated.')))).toBe(
      true,
    );
    expect(isDuplicateOrder(new ccxt.InvalidOrder(body(-4116, 'ClientOrderId is duplicated.')))).toBe(true);
    expect(isDuplicateOrder(new ccxt.ExchangeError(body(-4120, 'Order type not supported')))).toBe(false);
  });

  it('429 and 418 are refused before processing: not placed, retryable, Retry-After kept', () => {
    expect(
      classifyBinanceError(new ccxt.DDoSProtection(body(-1003, 'Too much request weight used')), 30),
    ).toMatchObject({
      outcome: 'rejected',
      retryable: true,
      retryAfterMs: 30_000,
    });
    expect(classifyBinanceError(new ccxt.DDoSProtection('binance 418 I am a teapot'), 120)).toMatchObject({
      outcome: 'rejected',
      retryable: true,
      retryAfterMs: 120_000,
    });
  });

  it('connection refused never left: not placed, retryable', () => {
    expect(classifyBinanceError(new ccxt.NetworkError('connect ECONNREFUSED 127.0.0.1:9'))).toMatchObject({
      outcome: 'rejected',
      retryable: true,
    });
  });

  it('strips signed query strings from messages', () => {
    const text = sanitizeVenueMessage(
      'binance GET http://127.0.0.1:1/api/v3/order?symbol=BTCUSDT&timestamp=1&signature=abcdef0123 timed out',
    );
    expect(text).not.toContain('abcdef0123');
    expect(text).not.toContain('timestamp=');
    expect(text).toContain('http://127.0.0.1:1/api/v3/order?[redacted]');
  });
});
