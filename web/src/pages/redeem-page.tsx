import { Alert, Anchor, Button, Group, List, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { useFinishRedemption, useRedemption, useSendCode, useVerifyCode, type RedemptionView } from '../api/redemption.ts';
import { blockedPath, isSignInBlocked } from '../api/sign-in.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';

/**
 * The invitee's page: `/redeem#rd=<token>` from the invitation. Prove the invited address with a one-time code,
 * accept the organization's terms, and continue to where the invitation leads. The token stays in the fragment,
 * so it never reaches a server log.
 */
export function RedeemPage() {
  const { hash } = useLocation();
  const [token] = useState(() => new URLSearchParams(hash.replace(/^#/, '')).get('rd'));
  const redemption = useRedemption(token);
  const [finished, setFinished] = useState<'declined' | null>(null);

  if (finished === 'declined') {
    return (
      <AuthCard title="Invitation declined">
        <Text size="sm">Nothing was shared. You can still accept later with the same link while the invitation is valid.</Text>
      </AuthCard>
    );
  }
  if (redemption.isPending) {
    return (
      <AuthCard title="Accept invitation">
        <Text size="sm">Checking your invitation…</Text>
      </AuthCard>
    );
  }
  if (redemption.isError || !redemption.data) {
    return (
      <AuthCard title="Accept invitation">
        <ErrorAlert error={redemption.error} title="This invitation cannot be used" />
      </AuthCard>
    );
  }
  const view = redemption.data;
  return (
    <AuthCard title={`Join ${view.tenantDisplayName}`}>
      <Text size="sm">
        You were invited as <strong>{view.invitedUserEmailAddress}</strong>. You keep using your own account;{' '}
        {view.tenantDisplayName} never learns your password.
      </Text>
      {view.step === 'verify' ? <VerifyStep view={view} /> : <ConsentStep view={view} onDeclined={() => setFinished('declined')} />}
    </AuthCard>
  );
}

/** The server sends the browser on to the partner's sign-in page (a top-level navigation, not a fetch). */
const FEDERATION_START = '/portal/api/federation/start';

function VerifyStep({ view }: { view: RedemptionView }) {
  const send = useSendCode();
  const verify = useVerifyCode();
  const [code, setCode] = useState('');

  if (view.method === 'oidc' || view.method === 'saml') {
    return (
      <Stack>
        {view.federationError && <ErrorAlert error={new Error(view.federationError)} title="Sign-in not accepted" />}
        <Text size="sm">{view.providerDisplayName} signs in addresses like yours. Sign in there with {view.invitedUserEmailAddress}.</Text>
        <Button component="a" href={FEDERATION_START}>
          Sign in with {view.providerDisplayName}
        </Button>
      </Stack>
    );
  }
  if (view.method === 'unavailable') {
    return (
      <Alert color="orange" title="No way to verify this address" role="alert">
        {view.tenantDisplayName} has not set up sign-in for your organization and does not send one-time codes. Contact the person who invited you.
      </Alert>
    );
  }
  const onVerify = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate({ code: code.trim() });
  };
  return (
    <Stack>
      <ErrorAlert error={send.error} title="Could not send a code" />
      {view.otpSentTo ? (
        <form onSubmit={onVerify} aria-label="Verify code">
          <Stack>
            <Text size="sm">We sent a 6-digit code to {view.otpSentTo}. It is valid for 30 minutes.</Text>
            <ErrorAlert error={verify.error} title="Code not accepted" />
            <TextInput label="Code" value={code} onChange={(e) => setCode(e.currentTarget.value)} inputMode="numeric" autoComplete="one-time-code" maxLength={6} required />
            <Group justify="space-between">
              <Anchor component="button" type="button" size="sm" onClick={() => send.mutate(undefined)}>
                Send a new code
              </Anchor>
              <Button type="submit" loading={verify.isPending}>
                Verify
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Stack>
          <Text size="sm">To accept, show that this address is yours: we send a one-time code to it.</Text>
          <Button onClick={() => send.mutate(undefined)} loading={send.isPending}>
            Send code
          </Button>
        </Stack>
      )}
    </Stack>
  );
}

function ConsentStep({ view, onDeclined }: { view: RedemptionView; onDeclined: () => void }) {
  const finish = useFinishRedemption();
  const navigate = useNavigate();
  const decide = (accept: boolean) =>
    finish.mutate(accept, {
      onSuccess: (result) => {
        // The invitation's redirect URL (set by the inviter) is followed once the second factor is done.
        if (result.mfaRequired) void navigate('/signin/mfa', { replace: true, state: { redirectUrl: result.redirectUrl } });
        else if (result.redirectUrl) window.location.assign(result.redirectUrl);
        else onDeclined();
      },
      onError: (error) => {
        if (isSignInBlocked(error)) void navigate(blockedPath(error.message), { replace: true });
      },
    });
  return (
    <Stack>
      <Text size="sm">
        {view.tenantDisplayName} will know your name and email address, and records what you do with the access it gives you.
      </Text>
      {(view.termsOfUseUrl || view.privacyStatementUrl) && (
        <List size="sm">
          {view.termsOfUseUrl && (
            <List.Item>
              <Anchor href={view.termsOfUseUrl} target="_blank" rel="noopener noreferrer">
                Terms of use
              </Anchor>
            </List.Item>
          )}
          {view.privacyStatementUrl && (
            <List.Item>
              <Anchor href={view.privacyStatementUrl} target="_blank" rel="noopener noreferrer">
                Privacy statement
              </Anchor>
            </List.Item>
          )}
        </List>
      )}
      <ErrorAlert error={finish.error} title="Could not accept the invitation" />
      <Group justify="flex-end">
        <Button variant="default" onClick={() => decide(false)} disabled={finish.isPending}>
          Decline
        </Button>
        <Button onClick={() => decide(true)} loading={finish.isPending}>
          Accept
        </Button>
      </Group>
    </Stack>
  );
}
