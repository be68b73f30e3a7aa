import type { Metadata } from 'next';
import { ChangeDetail } from '@/components/changes/change-detail';
import { requirePageUser } from '@/server/auth/page-session';

export const metadata: Metadata = { title: 'Change' };

export default async function ChangePage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  return <ChangeDetail changeId={id} role={user.role} />;
}
