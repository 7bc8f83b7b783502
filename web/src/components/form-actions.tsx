import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';

interface FormActionsProps {
  /** The submit button's text, e.g. "Create" or "Save". */
  submitLabel: ReactNode;
  /** The request is running: the submit button shows a loader. */
  busy: boolean;
  onCancel: () => void;
  disabled?: boolean;
  /** A destructive submit: the button is red. */
  danger?: boolean;
  /** Shown before the buttons, e.g. a status line. */
  children?: ReactNode;
}

/** The buttons at the foot of a form: "Cancel", then the form's submit button. */
export function FormActions({ submitLabel, busy, onCancel, disabled, danger, children }: FormActionsProps) {
  return (
    <Group justify="flex-end">
      {children}
      <Button variant="default" onClick={onCancel}>
        Cancel
      </Button>
      <Button type="submit" color={danger ? 'red' : undefined} disabled={disabled} loading={busy}>
        {submitLabel}
      </Button>
    </Group>
  );
}
