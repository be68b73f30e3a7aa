import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/auth/sign-in-form';
import { currentPageUser } from '@/server/auth/page-session';
import { needsFirstAdmin } from '@/server/auth/setup';
import { getDb } from '@/server/db/client';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage() {
  if (await currentPageUser()) redirect('/');
  return <SignInForm needsFirstAdmin={await needsFirstAdmin(await getDb())} />;
}
