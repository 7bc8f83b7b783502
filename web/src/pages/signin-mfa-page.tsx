import { Alert, Anchor, Button, Center, Code, Divider, Group, Loader, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api/client.ts';
import {
  blockedPath,
  isLocalPath,
  isSignInBlocked,
  useBeginPendingTotp,
  useCancelPendingSignIn,
  useFinishPendingTotp,
  usePendingSignIn,
  useRegisterPendingPasskey,
  useSignInStep,
  useVerifyCode,
  useVerifyPasskey,
  type PendingSignIn,
  type SignInStep,
} from '../api/sign-in.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { TotpCodeInput, TotpQrCode } from '../components/totp-enrolment-fields.tsx';

/** Set by the redeem page: the invitation's redirect URL, followed once the second factor is done. */
interface MfaState {
  redirectUrl?: string;
}

const isExpired = (error: unknown) => error instanceof ApiError && error.innerCode === 'SIGN_IN_PENDING_NOT_FOUND';

/**
 * The second step of a sign-in that Conditional Access (or the per-user MFA setting) interrupted: prove a second
 * factor — authenticator app code, passkey, recovery code — or register one when the account has none. Every
 * answer is signed in (go on to where the sign-in was for) or another factor still needed (e.g. a passkey when
 * phishing-resistant authentication is required), which re-renders this page with the new requirements.
 */
export function SignInMfaPage() {
  const location = useLocation();
  const navigate = useNavigate();
  // Once signed in or cancelled the pending sign-in is gone: it must not be fetched again while the page leaves.
  const [leaving, setLeaving] = useState(false);
  const pending = usePendingSignIn(!leaving);
  const continueWith = useSignInStep();
  const cancel = useCancelPendingSignIn();
  const [lastError, setLastError] = useState<unknown>(null);
  const state = (location.state ?? null) as MfaState | null;
  const queryReturnTo = new URLSearchParams(location.search).get('returnTo');

  const onStep = (step: SignInStep) => {
    setLastError(null);
    if (step.status === 'signedIn') setLeaving(true);
    continueWith(step, { fallback: isLocalPath(queryReturnTo) ? queryReturnTo : '/', trustedRedirect: state?.redirectUrl ?? null });
  };
  const onError = (error: unknown) => {
    if (isSignInBlocked(error)) {
      void navigate(blockedPath(error.message), { replace: true });
      return;
    }
    setLastError(error);
  };
  const handlers = { onSuccess: onStep, onError };

  const onCancel = () => {
    setLeaving(true);
    cancel.mutate(undefined, { onSettled: () => void navigate('/signin', { replace: true }) });
  };

  if (pending.isPending || leaving) {
    return (
      <AuthCard title="Verify your identity">
        <Center>
          <Loader aria-label="Loading the sign-in" />
        </Center>
      </AuthCard>
    );
  }
  if (isExpired(pending.error) || isExpired(lastError)) {
    return (
      <AuthCard title="Sign-in expired">
        <Text size="sm">This sign-in has expired or was already completed. Start again.</Text>
        <Group>
          <Button component={Link} to={isLocalPath(queryReturnTo) ? `/signin?returnTo=${encodeURIComponent(queryReturnTo)}` : '/signin'} replace>
            Sign in again
          </Button>
          <Anchor component={Link} to="/signin/guest" size="sm">
            Guest sign-in
          </Anchor>
        </Group>
      </AuthCard>
    );
  }
  if (pending.isError || !pending.data) {
    return (
      <AuthCard title="Verify your identity">
        <ErrorAlert error={pending.error} title="Could not load the sign-in" />
        <Anchor component={Link} to="/signin" size="sm">
          Back to sign-in
        </Anchor>
      </AuthCard>
    );
  }
  const view = pending.data;
  return (
    <AuthCard title="Verify your identity">
      <Text size="sm">
        {view.applicationDisplayName} needs another way to confirm it is you, <strong>{view.user.displayName}</strong> ({view.user.userPrincipalName}).
      </Text>
      {view.required.includes('phishingResistant') && (
        <Alert color="blue" role="status">
          Your organization requires a passkey (phishing-resistant sign-in) here.
          {!view.methods.webauthn && !view.registration.passkey && view.methods.totp && ' Confirm with your authenticator app first; you can then add a passkey.'}
        </Alert>
      )}
      <ErrorAlert error={lastError} title={lastError instanceof ApiError && lastError.innerCode === 'SIGN_IN_LOCKED' ? 'Too many attempts' : 'Not accepted'} />
      <Methods view={view} handlers={handlers} />
      <Divider />
      <Group justify="space-between">
        <Text size="xs" c="dimmed">
          Valid until {new Date(view.expiresDateTime).toLocaleTimeString()}
        </Text>
        <Button variant="default" onClick={onCancel} loading={cancel.isPending}>
          Cancel
        </Button>
      </Group>
    </AuthCard>
  );
}

interface Handlers {
  onSuccess: (step: SignInStep) => void;
  onError: (error: unknown) => void;
}

/** The ways this account can finish signing in now, most convenient first. */
function Methods({ view, handlers }: { view: PendingSignIn; handlers: Handlers }) {
  const [recovery, setRecovery] = useState(false);
  const sections = [];
  if (view.registration.passkey) sections.push(<RegisterPasskey key="register-passkey" handlers={handlers} />);
  if (view.registration.totp) sections.push(<RegisterTotp key="register-totp" handlers={handlers} />);
  if (view.methods.webauthn) sections.push(<UsePasskey key="passkey" handlers={handlers} />);
  if (view.methods.totp) sections.push(<CodeForm key="totp" method="totp" handlers={handlers} />);
  if (view.methods.recoveryCodesLeft > 0) {
    sections.push(
      recovery ? (
        <CodeForm key="recovery" method="recoveryCode" handlers={handlers} />
      ) : (
        <Anchor key="recovery" component="button" type="button" size="sm" onClick={() => setRecovery(true)}>
          Use a recovery code instead
        </Anchor>
      ),
    );
  }
  if (sections.length === 0) {
    return (
      <Alert color="orange" role="alert" title="No way to verify">
        Your account has no second factor that satisfies this sign-in, and none can be added now. Ask your administrator for help.
      </Alert>
    );
  }
  return <Stack gap="md">{sections.flatMap((section, index) => (index === 0 ? [section] : [<Divider key={`divider-${index}`} label="or" />, section]))}</Stack>;
}

/** A refused code is cleared from the field, so the next try starts empty. */
const clearing = (handlers: Handlers, setCode: (value: string) => void) => (error: unknown) => {
  setCode('');
  handlers.onError(error);
};

function CodeForm({ method, handlers }: { method: 'totp' | 'recoveryCode'; handlers: Handlers }) {
  const verify = useVerifyCode();
  const [code, setCode] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate({ method, code: code.replace(/\s+/g, '') }, { ...handlers, onError: clearing(handlers, setCode) });
  };
  const totp = method === 'totp';
  return (
    <form onSubmit={submit} aria-label={totp ? 'Authenticator app code' : 'Recovery code'}>
      <Stack gap="xs">
        <TextInput
          label={totp ? 'Code from your authenticator app' : 'Recovery code'}
          inputMode={totp ? 'numeric' : 'text'}
          autoComplete="one-time-code"
          maxLength={totp ? 7 : 40}
          required
          autoFocus={totp}
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
        />
        <Button type="submit" loading={verify.isPending}>
          Verify
        </Button>
      </Stack>
    </form>
  );
}

function UsePasskey({ handlers }: { handlers: Handlers }) {
  const verify = useVerifyPasskey();
  return (
    <Button variant="light" onClick={() => verify.mutate(undefined, handlers)} loading={verify.isPending}>
      Use a passkey
    </Button>
  );
}

function RegisterPasskey({ handlers }: { handlers: Handlers }) {
  const register = useRegisterPendingPasskey();
  return (
    <Stack gap="xs">
      <Text fw={500}>Add a passkey</Text>
      <Text size="sm">Your organization requires a passkey. Create one on this device or a security key; you sign in with it from now on.</Text>
      <Button onClick={() => register.mutate(undefined, handlers)} loading={register.isPending}>
        Add a passkey and continue
      </Button>
    </Stack>
  );
}

/** Register an authenticator app during sign-in: QR code (or the key by hand), then its current code. */
function RegisterTotp({ handlers }: { handlers: Handlers }) {
  const begin = useBeginPendingTotp();
  const finish = useFinishPendingTotp();
  const [code, setCode] = useState('');
  const { mutate: start, data: enrolment } = begin;
  // A new secret each time the section appears; an abandoned one expires on the server.
  useEffect(() => start(), [start]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!enrolment) return;
    finish.mutate({ enrolmentId: enrolment.enrolmentId, code: code.replace(/\s+/g, '') }, { ...handlers, onError: clearing(handlers, setCode) });
  };
  return (
    <Stack gap="xs">
      <Text fw={500}>Set up your authenticator app</Text>
      {begin.isPending && <Loader size="sm" aria-label="Preparing the authenticator app" />}
      <ErrorAlert error={begin.error} title="Could not start" />
      {enrolment && (
        <form onSubmit={submit} aria-label="Set up your authenticator app">
          <Stack gap="xs">
            <TotpQrCode src={enrolment.qrCodeDataUrl} size={180} />
            <Text size="sm">Or enter this key in the app by hand:</Text>
            <Code data-testid="pending-totp-secret" style={{ wordBreak: 'break-all' }}>
              {enrolment.secret}
            </Code>
            <TotpCodeInput value={code} onChange={setCode} />
            <Button type="submit" loading={finish.isPending}>
              Verify and sign in
            </Button>
          </Stack>
        </form>
      )}
    </Stack>
  );
}
