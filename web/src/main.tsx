import '@mantine/core/styles.css';
import {
  Autocomplete,
  MantineProvider,
  PasswordInput,
  Select,
  TextInput,
  Textarea,
  createTheme,
} from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { createApiClient } from './api/client.ts';
import { ApiProvider } from './api/context.tsx';
import { sessionKey } from './api/session.ts';
import type { Session } from './api/types.ts';
import { App } from './app.tsx';
import { createQueryClient } from './query-client.ts';

// Required fields keep the `required` attribute but show no asterisk: the asterisk becomes part of the label
// text, and labels must match exactly for assistive tech and for the end-to-end tests that find inputs by label.
const noAsterisk = { defaultProps: { withAsterisk: false } };
const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'sm',
  components: {
    TextInput: TextInput.extend(noAsterisk),
    Textarea: Textarea.extend(noAsterisk),
    Select: Select.extend(noAsterisk),
    Autocomplete: Autocomplete.extend(noAsterisk),
    PasswordInput: PasswordInput.extend({
      defaultProps: {
        withAsterisk: false,
        // The default name "Toggle password visibility" also matches a search for the "Password" field.
        visibilityToggleButtonProps: { 'aria-label': 'Show characters' },
      },
    }),
  },
});

const queryClient = createQueryClient();
// The CSRF token lives with the session in the query cache; it is never written to storage.
const api = createApiClient({
  getCsrfToken: () => queryClient.getQueryData<Session | null>(sessionKey)?.csrfToken,
});

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

createRoot(rootElement).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <QueryClientProvider client={queryClient}>
        <ApiProvider client={api}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </ApiProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
