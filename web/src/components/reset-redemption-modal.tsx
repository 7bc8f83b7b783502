import { Checkbox, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useCreateInvitation, type CreatedInvitation, type ListedInvitation } from '../api/invitations.ts';
import { ErrorAlert } from './error-alert.tsx';
import { FormActions } from './form-actions.tsx';

interface ResetRedemptionModalProps {
  /** The accepted invitation whose guest must redeem again; null when closed. */
  invitation: ListedInvitation | null;
  onClose: () => void;
  onReset: (invitation: CreatedInvitation) => void;
}

/**
 * Resetting redemption unbinds the guest's sign-in and ends their sessions; they accept a new invitation, possibly
 * at a new address (e.g. after moving to another company), and keep their object id, groups and access.
 */
export function ResetRedemptionModal({ invitation, onClose, onReset }: ResetRedemptionModalProps) {
  return (
    <Modal opened={invitation !== null} onClose={onClose} title="Reset redemption" centered>
      {/* Keyed so the address starts from the chosen invitation each time the modal opens. */}
      {invitation && <ResetRedemptionForm key={invitation.id} invitation={invitation} onClose={onClose} onReset={onReset} />}
    </Modal>
  );
}

function ResetRedemptionForm({ invitation, onClose, onReset }: ResetRedemptionModalProps & { invitation: ListedInvitation }) {
  const create = useCreateInvitation();
  const [email, setEmail] = useState(invitation.invitedUserEmailAddress);
  const [sendMessage, setSendMessage] = useState(true);
  const name = invitation.invitedUserDisplayName || invitation.invitedUserEmailAddress;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      {
        invitedUserEmailAddress: email.trim(),
        inviteRedirectUrl: invitation.inviteRedirectUrl,
        invitedUserDisplayName: invitation.invitedUserDisplayName,
        sendInvitationMessage: sendMessage,
        resetRedemption: true,
        invitedUser: { id: invitation.invitedUser.id },
      },
      { onSuccess: onReset },
    );
  };

  return (
    <form onSubmit={onSubmit} aria-label="Reset redemption">
      <Stack>
        <Text size="sm">
          {name} must accept a new invitation. Their current sign-in stops working and their sessions end; they keep
          their groups and access.
        </Text>
        <ErrorAlert error={create.error} title="Could not reset the redemption" />
        <TextInput
          label="Email address"
          description="Change it if the guest now uses another address."
          type="email"
          required
          data-autofocus
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
        />
        <Checkbox
          label="Send invitation email"
          checked={sendMessage}
          onChange={(e) => setSendMessage(e.currentTarget.checked)}
        />
        <FormActions submitLabel="Reset redemption" busy={create.isPending} onCancel={onClose} danger />
      </Stack>
    </form>
  );
}
