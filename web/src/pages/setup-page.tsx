import { Alert, Button, Stack, Text } from '@mantine/core';
import type { FormEvent } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { useSetPassword } from '../api/session.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { NewPasswordFields, PASSWORD_MIN_LENGTH, useNewPassword } from '../components/new-password-fields.tsx';

/**
 * First-start page: the one-time link `/set-password#token=…` lets the administrator choose a password. The token
 * travels in the fragment so it never reaches server logs; `?token=` is accepted too.
 */
export function SetupPage() {
  const [params] = useSearchParams();
  const { hash } = useLocation();
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? params.get('token') ?? '';
  const navigate = useNavigate();
  const setPassword = useSetPassword();
  const fields = useNewPassword();

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!fields.validate() || !token) return;
    setPassword.mutate(
      { token, password: fields.password },
      {
        onSuccess: () =>
          navigate('/signin', { replace: true, state: { notice: 'Your password is set. Sign in with it now.' } }),
      },
    );
  };

  return (
    <AuthCard title="Set your password">
      {!token ? (
        <Alert color="red" title="Missing setup token" role="alert">
          Open the one-time link Gatehouse printed when it first started; it ends with <code>#token=…</code>.
        </Alert>
      ) : (
        <Text size="sm" c="dimmed">
          Choose a password of at least {PASSWORD_MIN_LENGTH} characters. This link works once.
        </Text>
      )}
      <ErrorAlert error={setPassword.error} title="Could not set the password" />
      <form onSubmit={onSubmit} aria-label="Set password">
        <Stack>
          <NewPasswordFields state={fields} />
          <Button type="submit" loading={setPassword.isPending} disabled={!token}>
            Set password
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
