import type { ReactNode } from 'react';
import './globals.css';

export const metadata = { title: 'Tasks' };

// System fonts: next/font/google would download at build time, and the build must work offline.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
