import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api/client.ts';
import { useSession, useSignIn } from '../api/session.ts';
import { blockedPath, isLocalPath, isServerPath, isSignInBlocked, useSignInStep } from '../api/sign-in.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { NewPasswordFields, useNewPassword } from '../components/new-password-fields.tsx';

interface SignInState {
  from?: string;
  notice?: string;
}

const HOME = '/users';

/**
 * Where to go once signed in: `?returnTo=` from a server page (the OAuth approval page for `gatehouse login` or
 * an app, after a sign-in-frequency prompt) or the page <RequireAuth> sent the user away from. Only same-origin
 * paths count, so a crafted link cannot send the user elsewhere.
 */
function returnTarget(search: string, state: SignInState | null): string | undefined {
  const fromQuery = new URLSearchParams(search).get('returnTo');
  if (isLocalPath(fromQuery)) return fromQuery;
  return isLocalPath(state?.from) ? state.from : undefined;
}

export function SignInPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const state = (location.state ?? null) as SignInState | null;
  const session = useSession();
  const signIn = useSignIn();
  const continueWith = useSignInStep();
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState('');
  const fields = useNewPassword();
  // The server answers PASSWORD_CHANGE_REQUIRED to right credentials of an account that must change its password.
  const [mustChange, setMustChange] = useState(false);

  const target = returnTarget(location.search, state);
  // Sign-in frequency or an app's max_age: a fresh sign-in is wanted although a session exists (the server keeps it,
  // a link must not be able to sign anyone out). The form is shown; signing in replaces the session.
  const reauth = new URLSearchParams(location.search).get('reauth') === '1';
  if (session.data && !reauth && !signIn.isPending && !signIn.isSuccess) {
    if (target && isServerPath(target)) {
      window.location.assign(target);
      return null;
    }
    return <Navigate to={target ?? HOME} replace />;
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (mustChange && !fields.validate()) return;
    signIn.mutate(
      { userName: userName.trim(), password, ...(mustChange ? { newPassword: fields.password } : {}), ...(target ? { returnTo: target } : {}) },
      {
        onSuccess: (step) => continueWith(step, { fallback: HOME }),
        onError: (error) => {
          if (error instanceof ApiError && error.innerCode === 'PASSWORD_CHANGE_REQUIRED') setMustChange(true);
          else if (isSignInBlocked(error)) void navigate(blockedPath(error.message), { replace: true });
        },
      },
    );
  };

  return (
    <AuthCard title="Sign in to Gatehouse">
      {reauth && !signIn.error && (
        <Alert color="blue" role="status" title="Sign in again">
          Your organization requires you to sign in again to continue.
        </Alert>
      )}
      {state?.notice && !signIn.error && (
        <Alert color="green" role="status">
          {state.notice}
        </Alert>
      )}
      {mustChange ? (
        <Alert color="yellow" role="status" title="Choose a new password">
          Your password was set by an administrator or has expired. Choose a new one (at least 12 characters) to sign in.
        </Alert>
      ) : (
        <ErrorAlert error={signIn.error} title="Sign-in failed" />
      )}
      {mustChange && signIn.error instanceof ApiError && signIn.error.innerCode !== 'PASSWORD_CHANGE_REQUIRED' && (
        <ErrorAlert error={signIn.error} title="Password not changed" />
      )}
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
          {mustChange && <NewPasswordFields state={fields} />}
          <Button type="submit" loading={signIn.isPending}>
            {mustChange ? 'Change password and sign in' : 'Sign in'}
          </Button>
        </Stack>
      </form>
      <Text size="sm" c="dimmed">
        Invited from another organization?{' '}
        <Anchor component={Link} to="/signin/guest">
          Sign in as a guest
        </Anchor>
      </Text>
    </AuthCard>
  );
}
