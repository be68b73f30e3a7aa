import type { Metadata } from 'next';
import { HistoryList } from '@/components/changes/history-list';
import { NotForYourRole } from '@/components/layout/not-for-role';
import { HISTORY_READERS } from '@/server/api/policy';
import { requirePageUser } from '@/server/auth/page-session';

export const metadata: Metadata = { title: 'Change history' };

// The server decides who may read history (HISTORY_READERS); the page says so to anyone else.
export default async function HistoryPage() {
  const user = await requirePageUser();
  if (!HISTORY_READERS.includes(user.role)) return <NotForYourRole title="Change history" who="Admins, operators and auditors" what="read the change history" role={user.role} />;
  return <HistoryList role={user.role} />;
}
