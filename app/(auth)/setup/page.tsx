import type { Metadata } from 'next';
import { SetupForm } from '@/components/auth/setup-form';

export const metadata: Metadata = { title: 'First-time setup' };
export const dynamic = 'force-dynamic';

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  return <SetupForm token={typeof token === 'string' ? token : ''} />;
}
