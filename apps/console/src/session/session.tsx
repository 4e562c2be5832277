import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, ApiError, onSessionEnded, type Schemas, signInPath, unwrap } from '../api/client';

export type Me = Schemas['MeDto'];
export type Role = 'admin' | 'clinician' | 'auditor' | 'integration';

const SessionContext = createContext<Me | null>(null);

/** Who is signed in (the console hides what a role cannot do; the API decides). */
export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useMe outside a signed-in page');
  return me;
}

export function hasRole(me: Me, ...roles: Role[]): boolean {
  return roles.some((r) => me.roles.includes(r));
}

export const meQueryKey = ['me'] as const;

/** Signed-in pages: loads who the person is; without a session, goes to sign-in and comes back after. */
export function RequireSession({ children }: { children: ReactNode }) {
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const me = useQuery({
    queryKey: meQueryKey,
    queryFn: () => unwrap(api.GET('/api/v1/auth/me')),
    retry: false,
    staleTime: 60_000,
  });

  useEffect(
    () =>
      onSessionEnded(() => {
        queryClient.clear();
        navigate(signInPath(), { replace: true });
      }),
    [navigate, queryClient],
  );

  const unauthenticated = me.error instanceof ApiError && me.error.status === 401;
  useEffect(() => {
    if (unauthenticated) navigate(signInPath(`${location.pathname}${location.search}`), { replace: true });
  }, [unauthenticated, navigate, location.pathname, location.search]);

  if (me.data) return <SessionContext.Provider value={me.data}>{children}</SessionContext.Provider>;
  if (me.error && !unauthenticated) throw me.error;
  return null;
}
