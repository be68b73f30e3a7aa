import type { ReactNode } from 'react';
import { PanelHeader } from '@/components/layout/panel-header';
import { requirePageUser } from '@/server/auth/page-session';

export const dynamic = 'force-dynamic';

export default async function PanelLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser();
  return (
    <>
      <PanelHeader user={user} />
      <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
    </>
  );
}
