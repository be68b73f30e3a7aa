import type { Metadata } from 'next';
import { HistoryList } from '@/components/changes/history-list';
import { requirePageUser } from '@/server/auth/page-session';

export const metadata: Metadata = { title: 'Change history' };

// The server decides who may read history; the role only hides what this user cannot use.
export default async function HistoryPage() {
  const user = await requirePageUser();
  return <HistoryList role={user.role} />;
}
