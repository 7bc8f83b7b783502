import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useSession, useSignIn } from '../api/session.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';

interface SignInState {
  from?: string;
  notice?: string;
}

/** Only paths inside the app are valid return targets, so a crafted state cannot send the user elsewhere. */
function returnPath(state: SignInState | null): string {
  const from = state?.from;
  return from && from.startsWith('/') && !from.startsWith('//') && !from.startsWith('/signin') ? from : '/users';
}

export function SignInPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const state = (location.state ?? null) as SignInState | null;
  const session = useSession();
  const signIn = useSignIn();
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState('');

  if (session.data && !signIn.isPending) return <Navigate to={returnPath(state)} replace />;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate(
      { userName: userName.trim(), password },
      { onSuccess: () => navigate(returnPath(state), { replace: true }) },
    );
  };

  return (
    <AuthCard title="Sign in to Gatehouse">
      {state?.notice && !signIn.error && (
        <Alert color="green" role="status">
          {state.notice}
        </Alert>
      )}
      <ErrorAlert error={signIn.error} title="Sign-in failed" />
      <form onSubmit={onSubmit} aria-label="Sign in">
        <Stack>
          <TextInput
            label="User name"
            autoComplete="username"
            required
            autoFocus
            value={userName}
            onChange={(e) => setUserName(e.currentTarget.value)}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <Button type="submit" loading={signIn.isPending}>
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
