// How many live subscriptions one caller may hold open at once in this gateway process
// (LIVE_MAX_SUBSCRIPTIONS_PER_CALLER; docs/live-updates.md, "Limits"). A caller is a
// studio's token subject (a person, an app's client, a partner key). A console tab holds
// a few (inbox, open card, today's dashboard, an import); a partner following the outcome
// of each fact it records holds one per fact until it settles. One more than the limit is
// refused at subscribe with TOO_MANY_SUBSCRIPTIONS (`params.maximum`) in the caller's
// language, and nothing runs for it; the open ones go on. Without it one token could hold
// every connection and every byte of a gateway pod that the studios share.
import { type ExecutionArgs, type ExecutionResult, GraphQLError } from 'graphql';
import { Counter } from 'prom-client';

import { gatewayError, type Language } from './language.ts';
import type { Claims } from './live-group.ts';

const REFUSED = new Counter({
  name: 'live_gateway_subscriptions_refused_total',
  help: 'Subscriptions refused because their caller held the most it may',
});

type SubscribeHook = {
  args: ExecutionArgs;
  setResultAndStopExecution: (result: ExecutionResult) => void;
};

export function liveLimits(
  maximum: number,
  language: (acceptLanguage: string | null, claims: Claims) => Language,
) {
  const open = new Map<string, number>();

  function release(caller: string): void {
    const count = (open.get(caller) ?? 1) - 1;
    if (count > 0) open.set(caller, count);
    else open.delete(caller);
  }

  return {
    onSubscribe({ args, setResultAndStopExecution }: SubscribeHook) {
      if (maximum <= 0) return undefined;
      const context = args.contextValue as { request?: Request; jwt?: { payload?: Claims } };
      const claims = context.jwt?.payload;
      if (!claims) return undefined; // no token: refused by the JWT plugin
      const caller = `${String(claims.tenant)}/${String(claims.sub)}`;
      const holding = open.get(caller) ?? 0;
      if (holding >= maximum) {
        REFUSED.inc();
        const spoken = language(context.request?.headers.get('accept-language') ?? null, claims);
        const { message, extensions } = gatewayError(
          'TOO_MANY_SUBSCRIPTIONS',
          { maximum: String(maximum) },
          spoken,
        );
        setResultAndStopExecution({ errors: [new GraphQLError(message, { extensions })] });
        return undefined;
      }
      open.set(caller, holding + 1);
      let released = false;
      const once = () => {
        if (!released) {
          released = true;
          release(caller);
        }
      };
      return {
        onSubscribeResult({ result }: { result: unknown }) {
          const stream = (result as { [Symbol.asyncIterator]?: unknown } | null)?.[
            Symbol.asyncIterator
          ];
          if (typeof stream !== 'function') {
            once(); // refused or answered at once: nothing stays open
            return undefined;
          }
          return { onEnd: once };
        },
        onSubscribeError: once,
      };
    },
  };
}
