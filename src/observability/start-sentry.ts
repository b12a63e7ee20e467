import type { ErrorEvent } from '@sentry/node';

/** Reports an error nobody handled (the error handler's 500 path); undefined when reporting is off. */
export type ReportError = (error: unknown) => void;

/**
 * What leaves for Sentry: the error and its stack, never the request's headers (API tokens, exchange
 * keys), body (exchange secrets), cookies or query, nor breadcrumbs (they may hold signed venue URLs).
 */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  const { request, breadcrumbs: _breadcrumbs, user: _user, ...rest } = event;
  return {
    ...rest,
    ...(request && {
      request: {
        ...(request.method && { method: request.method }),
        ...(request.url && { url: request.url.split('?')[0] }),
      },
    }),
  };
}

/**
 * Starts Sentry for this process. Loaded lazily by serve() only when SENTRY_DSN is set, so without it no
 * Sentry code runs. Only the two process-level integrations are on: the default set would also instrument
 * outgoing HTTP (the venues' signed requests) and the console.
 */
export async function startSentry(dsn: string, release: string): Promise<ReportError> {
  const Sentry = await import('@sentry/node');
  Sentry.init({
    dsn,
    release,
    sendDefaultPii: false,
    defaultIntegrations: false,
    integrations: [
      Sentry.onUncaughtExceptionIntegration(),
      // strict: report, then exit as Node 20 does without a listener; 'warn' would keep a broken process up.
      Sentry.onUnhandledRejectionIntegration({ mode: 'strict' }),
      Sentry.linkedErrorsIntegration(),
    ],
    beforeSend: scrubEvent,
    beforeBreadcrumb: () => null,
  });
  return (error) => {
    Sentry.captureException(error);
  };
}
