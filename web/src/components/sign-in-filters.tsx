import { NativeSelect, SimpleGrid, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { SignInFilters } from '../api/sign-ins.ts';
import { FilterButtons, RangeInputs, rangeFilters } from './log-filters.tsx';

/** The filter form's state, as the inputs hold it. */
export interface SignInFilterForm {
  from: string;
  to: string;
  user: string;
  app: string;
  status: '' | 'success' | 'failure';
  userType: '' | 'member' | 'guest';
  risk: '' | 'low' | 'medium' | 'high';
}

export const EMPTY_SIGN_IN_FORM: SignInFilterForm = { from: '', to: '', user: '', app: '', status: '', userType: '', risk: '' };

export function toSignInFilters(form: SignInFilterForm): SignInFilters {
  const filters: SignInFilters = rangeFilters(form);
  if (form.user.trim()) filters.user = form.user.trim();
  if (form.app.trim()) filters.app = form.app.trim();
  if (form.status) filters.status = form.status;
  if (form.userType) filters.userType = form.userType;
  if (form.risk) filters.risk = form.risk;
  return filters;
}

const STATUS = [
  { value: '', label: 'Any' },
  { value: 'success', label: 'Success' },
  { value: 'failure', label: 'Failure' },
];
const USER_TYPES = [
  { value: '', label: 'Members and guests' },
  { value: 'member', label: 'Members' },
  { value: 'guest', label: 'Guests' },
];
const RISK = [
  { value: '', label: 'Any' },
  { value: 'low', label: 'Low' },
  { value: 'medium', label: 'Medium' },
  { value: 'high', label: 'High' },
];

export function SignInFiltersForm({ initial, onApply }: { initial: SignInFilterForm; onApply: (form: SignInFilterForm) => void }) {
  const [form, setForm] = useState<SignInFilterForm>(initial);
  const set = <K extends keyof SignInFilterForm>(key: K, value: SignInFilterForm[K]) => setForm((prev) => ({ ...prev, [key]: value }));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    onApply(form);
  };
  const onClear = () => {
    setForm(EMPTY_SIGN_IN_FORM);
    onApply(EMPTY_SIGN_IN_FORM);
  };

  return (
    <form onSubmit={onSubmit} aria-label="Sign-in log filters">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        <RangeInputs range={form} onChange={set} />
        <TextInput label="User" placeholder="User principal name starts with" value={form.user} onChange={(e) => set('user', e.currentTarget.value)} />
        <TextInput label="Application" placeholder="Application name starts with" value={form.app} onChange={(e) => set('app', e.currentTarget.value)} />
        <NativeSelect label="Status" data={STATUS} value={form.status} onChange={(e) => set('status', e.currentTarget.value as SignInFilterForm['status'])} />
        <NativeSelect label="User type" data={USER_TYPES} value={form.userType} onChange={(e) => set('userType', e.currentTarget.value as SignInFilterForm['userType'])} />
        <NativeSelect label="Risk level" data={RISK} value={form.risk} onChange={(e) => set('risk', e.currentTarget.value as SignInFilterForm['risk'])} />
      </SimpleGrid>
      <FilterButtons onClear={onClear} />
    </form>
  );
}
