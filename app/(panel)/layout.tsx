import type { ReactNode } from 'react';
import { PanelHeader } from '@/components/layout/panel-header';
import { requirePageUser } from '@/server/auth/page-session';

export const dynamic = 'force-dynamic';

// Pages sit in one of two groups: (pages) reads like a document, capped to a comfortable width;
// (wide) draws graphs (a host, a change before and after) across the whole window below the header.
export default async function PanelLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser();
  return (
    <div className="flex min-h-dvh flex-col">
      <PanelHeader user={user} />
      {children}
    </div>
  );
}
