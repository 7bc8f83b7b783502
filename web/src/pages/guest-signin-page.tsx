import { Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useStartGuestSignIn, useVerifyGuestCode } from '../api/my-account.ts';
import { blockedPath, isSignInBlocked, useSignInStep } from '../api/sign-in.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';

/** Where the partner sign-in sends the browser back when it was refused (the reason is not in the URL). */
const FEDERATION_START = '/portal/api/federation/start';

/**
 * Guests sign in with the identity they accepted their invitation with: their organization's sign-in (they are sent
 * there), or a one-time code to their address. Gatehouse never holds a guest password.
 */
export function GuestSignInPage() {
  const navigate = useNavigate();
  const start = useStartGuestSignIn();
  const verify = useVerifyGuestCode();
  const continueWith = useSignInStep();
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const returned = new URLSearchParams(window.location.search).has('refused');

  const onStart = (event: FormEvent) => {
    event.preventDefault();
    start.mutate(email.trim(), {
      onSuccess: (result) => {
        if (result.method === 'federated') window.location.assign(FEDERATION_START);
      },
    });
  };
  const onVerify = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate(code.trim(), {
      onSuccess: (step) => continueWith(step, { fallback: '/my-account' }),
      onError: (error) => {
        if (isSignInBlocked(error)) void navigate(blockedPath(error.message), { replace: true });
      },
    });
  };

  return (
    <AuthCard title="Guest sign-in">
      {returned && <ErrorAlert error={new Error('Your organization’s sign-in was not accepted. Sign in with the account that accepted the invitation.')} title="Sign-in refused" />}
      {start.data?.method === 'emailOtp' ? (
        <form onSubmit={onVerify} aria-label="Verify code">
          <Stack>
            <Text size="sm">We sent a 6-digit code to {email.trim()}. It is valid for 30 minutes.</Text>
            <ErrorAlert error={verify.error} title="Code not accepted" />
            <TextInput label="Code" value={code} onChange={(e) => setCode(e.currentTarget.value)} inputMode="numeric" autoComplete="one-time-code" maxLength={6} required autoFocus />
            <Button type="submit" loading={verify.isPending}>
              Sign in
            </Button>
          </Stack>
        </form>
      ) : (
        <form onSubmit={onStart} aria-label="Guest sign-in">
          <Stack>
            <Text size="sm">Enter the address you were invited with. You sign in with your own organization’s account, or with a code we send to that address.</Text>
            <ErrorAlert error={start.error} title="Cannot sign in" />
            <TextInput label="Email address" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} required autoFocus />
            <Button type="submit" loading={start.isPending || start.data?.method === 'federated'}>
              Continue
            </Button>
          </Stack>
        </form>
      )}
      <Text size="sm" c="dimmed">
        Member of this organization?{' '}
        <Anchor component={Link} to="/signin">
          Sign in with your password
        </Anchor>
      </Text>
    </AuthCard>
  );
}
