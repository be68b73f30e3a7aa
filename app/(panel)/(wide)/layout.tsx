import type { ReactNode } from 'react';

/**
 * Pages that draw graphs use the whole window below the header, edge to edge: the host page
 * (toolbar and graph fill it) and a change's page (before and after side by side).
 */
export default function WidePageLayout({ children }: { children: ReactNode }) {
  return <main className="flex min-h-0 w-full flex-1 flex-col px-4 pb-3 pt-2">{children}</main>;
}
