import { Checkbox, Modal, Select, Stack, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useCreateInvitation, type CreatedInvitation, type InvitedUserType } from '../api/invitations.ts';
import { ErrorAlert } from './error-alert.tsx';
import { FormActions } from './form-actions.tsx';

interface NewInvitationModalProps {
  opened: boolean;
  onClose: () => void;
  onCreated: (invitation: CreatedInvitation) => void;
}

const USER_TYPES: { value: InvitedUserType; label: string }[] = [
  { value: 'Guest', label: 'Guest' },
  { value: 'Member', label: 'Member' },
];

/** The portal itself is always an allowed redirect, so it is the safe default. */
const defaultRedirectUrl = () => `${window.location.origin}/`;

export function NewInvitationModal({ opened, onClose, onCreated }: NewInvitationModalProps) {
  const create = useCreateInvitation();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [redirectUrl, setRedirectUrl] = useState(defaultRedirectUrl);
  const [userType, setUserType] = useState<InvitedUserType>('Guest');
  const [sendMessage, setSendMessage] = useState(true);
  const [message, setMessage] = useState('');

  const reset = () => {
    setEmail('');
    setDisplayName('');
    setRedirectUrl(defaultRedirectUrl());
    setUserType('Guest');
    setSendMessage(true);
    setMessage('');
    create.reset();
  };

  const close = () => {
    reset();
    onClose();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const customMessage = message.trim();
    create.mutate(
      {
        invitedUserEmailAddress: email.trim(),
        inviteRedirectUrl: redirectUrl.trim(),
        invitedUserDisplayName: displayName.trim() || null,
        invitedUserType: userType,
        sendInvitationMessage: sendMessage,
        ...(sendMessage && customMessage ? { invitedUserMessageInfo: { customizedMessageBody: customMessage } } : {}),
      },
      {
        onSuccess: (invitation) => {
          reset();
          onCreated(invitation);
        },
      },
    );
  };

  return (
    <Modal opened={opened} onClose={close} title="New invitation" centered>
      <form onSubmit={onSubmit} aria-label="New invitation">
        <Stack>
          <ErrorAlert error={create.error} title="Could not create the invitation" />
          <TextInput
            label="Email address"
            type="email"
            required
            data-autofocus
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <TextInput
            label="Display name"
            description="Optional; defaults to the part of the address before the @."
            value={displayName}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
          />
          <TextInput
            label="Redirect URL"
            description="Where the invitee lands after accepting: this portal, or a URL allowed in the external collaboration settings."
            type="url"
            required
            value={redirectUrl}
            onChange={(e) => setRedirectUrl(e.currentTarget.value)}
          />
          <Select
            label="User type"
            data={USER_TYPES}
            allowDeselect={false}
            value={userType}
            onChange={(value) => value && setUserType(value as InvitedUserType)}
          />
          <Checkbox
            label="Send invitation email"
            checked={sendMessage}
            onChange={(e) => setSendMessage(e.currentTarget.checked)}
          />
          <Textarea
            label="Personal message"
            description={sendMessage ? 'Added to the invitation email.' : 'Only used when an invitation email is sent.'}
            autosize
            minRows={2}
            maxLength={4000}
            disabled={!sendMessage}
            value={message}
            onChange={(e) => setMessage(e.currentTarget.value)}
          />
          <FormActions submitLabel="Send invitation" busy={create.isPending} onCancel={close} />
        </Stack>
      </form>
    </Modal>
  );
}
