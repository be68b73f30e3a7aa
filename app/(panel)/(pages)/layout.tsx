import type { ReactNode } from 'react';

export default function DocumentPageLayout({ children }: { children: ReactNode }) {
  return <main className="mx-auto w-full max-w-6xl px-6 py-8">{children}</main>;
}
