import { Modal, Stack } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useCreatePartner, type ConnectedOrganization } from '../api/partners.ts';
import { ErrorAlert } from './error-alert.tsx';
import { FormActions } from './form-actions.tsx';
import { newPartnerBody, PartnerFields, partnerValuesOf, type PartnerFormValues } from './partner-fields.tsx';

interface NewPartnerModalProps {
  opened: boolean;
  onClose: () => void;
  onCreated: (org: ConnectedOrganization) => void;
}

export function NewPartnerModal({ opened, onClose, onCreated }: NewPartnerModalProps) {
  const create = useCreatePartner();
  const [values, setValues] = useState<PartnerFormValues>(() => partnerValuesOf(null));

  const reset = () => {
    setValues(partnerValuesOf(null));
    create.reset();
  };

  const close = () => {
    reset();
    onClose();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(newPartnerBody(values), {
      onSuccess: (org) => {
        reset();
        onCreated(org);
      },
    });
  };

  return (
    <Modal opened={opened} onClose={close} title="New partner organization" size="lg" centered>
      <form onSubmit={onSubmit} aria-label="New partner organization">
        <Stack>
          <ErrorAlert error={create.error} title="Could not create the partner organization" />
          <PartnerFields values={values} onChange={setValues} autoFocus />
          <FormActions submitLabel="Create partner organization" busy={create.isPending} onCancel={close} />
        </Stack>
      </form>
    </Modal>
  );
}
