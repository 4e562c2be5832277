import '@mantine/core/styles.css';
import {
  createTheme,
  type CSSVariablesResolver,
  defaultVariantColorsResolver,
  MantineProvider,
  parseThemeColor,
  type VariantColorsResolver,
} from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import { ApiError } from './api/client';
import { router } from './routes';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal (403, 404, 410) is an answer, not a hiccup: retry only what may pass on a second try.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status < 500),
      refetchOnWindowFocus: true,
    },
  },
});

/** Light and outline variants (alerts, badges) write their text in the colour's darkest shade: AA contrast. */
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if (parsed.isThemeColor && (input.variant === 'light' || input.variant === 'outline')) {
    // Yellow, orange and lime are too light even at their darkest: their text is near-black.
    const pale = ['yellow', 'orange', 'lime'].includes(parsed.color);
    const dark = pale ? 'var(--mantine-color-dark-7)' : `var(--mantine-color-${parsed.color}-9)`;
    return { ...colors, color: dark, ...(input.variant === 'outline' ? { border: dark } : {}) };
  }
  return colors;
};

const theme = createTheme({
  variantColorResolver,
  primaryColor: 'indigo',
  // The darkest shade for filled buttons, badges and links: white on it, and it on white, pass WCAG AA.
  primaryShade: { light: 9, dark: 8 },
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
});

/** Secondary text at WCAG AA contrast (4.5:1): Mantine's default dimmed grey is lighter than that. */
const contrast: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: {},
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light" cssVariablesResolver={contrast}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
