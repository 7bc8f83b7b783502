import { Alert, Button, CopyButton, Group, Stack, Text, TextInput } from '@mantine/core';
import type { CreatedInvitation } from '../api/invitations.ts';

/** What the administrator just did, for the alert's title. */
export type InvitationAction = 'invited' | 'resent' | 'reset';

const TITLES: Record<InvitationAction, string> = {
  invited: 'Invitation created',
  resent: 'Invitation sent again',
  reset: 'Redemption reset',
};

interface InvitationLinkAlertProps {
  action: InvitationAction;
  invitation: CreatedInvitation;
  onClose: () => void;
}

/**
 * The result of POST /v1.0/invitations. The server never lists the redeem link again, so this is the one chance
 * to copy it, e.g. to hand it over when no mail server is configured.
 */
export function InvitationLinkAlert({ action, invitation, onClose }: InvitationLinkAlertProps) {
  const email = invitation.invitedUserEmailAddress;
  // Inviting someone who already accepted gives them a link straight to the redirect URL, not a redeem link.
  const alreadyAccepted = invitation.status === 'Completed';
  return (
    <Alert
      color="green"
      role="status"
      title={TITLES[action]}
      withCloseButton
      closeButtonLabel="Dismiss"
      onClose={onClose}
      data-testid="invitation-link-alert"
    >
      <Stack gap="xs">
        <Text size="sm">
          {alreadyAccepted
            ? `${email} has already accepted; the link below takes them straight to the redirect URL.`
            : invitation.sendInvitationMessage
              ? `An invitation email to ${email} is in the outbox.`
              : `No email was sent to ${email}; give them the redeem link yourself.`}
        </Text>
        <Group align="flex-end" gap="xs" wrap="nowrap">
          <TextInput
            label="Redeem link"
            description="Shown only once: copy it now if you need it."
            readOnly
            value={invitation.inviteRedeemUrl}
            onFocus={(e) => e.currentTarget.select()}
            style={{ flex: 1 }}
          />
          <CopyButton value={invitation.inviteRedeemUrl} timeout={2000}>
            {({ copied, copy }) => (
              <Button variant={copied ? 'filled' : 'default'} color={copied ? 'teal' : undefined} onClick={copy}>
                {copied ? 'Copied' : 'Copy link'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}
