import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api/client.ts';
import { useSession, useSignIn } from '../api/session.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { NewPasswordFields, useNewPassword } from '../components/new-password-fields.tsx';

interface SignInState {
  from?: string;
  notice?: string;
}

/** Only same-origin paths are valid return targets, so a crafted link cannot send the user elsewhere. */
const isLocalPath = (path: string | null | undefined): path is string =>
  !!path && path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\') && !path.startsWith('/signin');

function returnPath(state: SignInState | null): string {
  return isLocalPath(state?.from) ? state.from : '/users';
}

/**
 * Server pages outside the app (the OAuth approval page for `gatehouse login`) send users here with
 * `?returnTo=/oauth2/interaction/…`; those are loaded as full pages, not client-side routes.
 */
function serverReturnTo(search: string): string | undefined {
  const target = new URLSearchParams(search).get('returnTo');
  return isLocalPath(target) && target.startsWith('/oauth2/') ? target : undefined;
}

export function SignInPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const state = (location.state ?? null) as SignInState | null;
  const session = useSession();
  const signIn = useSignIn();
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState('');
  const fields = useNewPassword();
  // The server answers PASSWORD_CHANGE_REQUIRED to right credentials of an account that must change its password.
  const [mustChange, setMustChange] = useState(false);

  const serverTarget = serverReturnTo(location.search);
  if (session.data && !signIn.isPending) {
    if (serverTarget) {
      window.location.assign(serverTarget);
      return null;
    }
    return <Navigate to={returnPath(state)} replace />;
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (mustChange && !fields.validate()) return;
    signIn.mutate(
      { userName: userName.trim(), password, ...(mustChange ? { newPassword: fields.password } : {}) },
      {
        onSuccess: () => (serverTarget ? window.location.assign(serverTarget) : navigate(returnPath(state), { replace: true })),
        onError: (error) => {
          if (error instanceof ApiError && error.innerCode === 'PASSWORD_CHANGE_REQUIRED') setMustChange(true);
        },
      },
    );
  };

  return (
    <AuthCard title="Sign in to Gatehouse">
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
