import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError, isUnauthenticated } from './api/client.ts';
import { sessionKey } from './api/session.ts';

/**
 * One QueryClient per app instance. A 401 from any request means the session ended (expired, revoked, signed
 * out in another tab): forgetting the session makes <RequireAuth> send the user to /signin.
 */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error) => onAuthError(error) }),
    mutationCache: new MutationCache({ onError: (error) => onAuthError(error) }),
    defaultOptions: {
      queries: {
        // 4xx answers will not change on retry; only network errors and 5xx are worth a second try.
        retry: (failures, error) => failures < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });

  function onAuthError(error: unknown) {
    if (isUnauthenticated(error) && client.getQueryData(sessionKey)) client.setQueryData(sessionKey, null);
  }

  return client;
}
