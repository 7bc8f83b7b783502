import { PasswordInput } from '@mantine/core';
import { useState } from 'react';

export const PASSWORD_MIN_LENGTH = 12;

/** State of a "new password" + "confirm password" pair, with the checks the server also makes. */
export function useNewPassword() {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);
  const tooShort = password.length < PASSWORD_MIN_LENGTH;
  const mismatch = password !== confirm;
  return {
    password,
    confirm,
    setPassword,
    setConfirm,
    touched,
    /** Mark the pair as submitted (errors show from then on); true when it is acceptable. */
    validate: () => {
      setTouched(true);
      return !tooShort && !mismatch;
    },
    tooShort,
    mismatch,
  };
}

/** The two inputs, labelled "New password" and "Confirm password". */
export function NewPasswordFields({ state }: { state: ReturnType<typeof useNewPassword> }) {
  const { password, confirm, setPassword, setConfirm, touched, tooShort, mismatch } = state;
  return (
    <>
      <PasswordInput
        label="New password"
        autoComplete="new-password"
        required
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
        error={touched && tooShort ? `Use at least ${PASSWORD_MIN_LENGTH} characters.` : undefined}
      />
      <PasswordInput
        label="Confirm password"
        autoComplete="new-password"
        required
        value={confirm}
        onChange={(e) => setConfirm(e.currentTarget.value)}
        error={touched && !tooShort && mismatch ? 'The passwords do not match.' : undefined}
      />
    </>
  );
}
