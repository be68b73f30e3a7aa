import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/auth/sign-in-form';
import { currentPageUser } from '@/server/auth/page-session';
import { needsFirstAdmin } from '@/server/auth/setup';
import { safeReturnPath } from '@/server/auth/return-path';
import { getDb } from '@/server/db/client';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { next } = await searchParams;
  const returnTo = safeReturnPath(typeof next === 'string' ? next : null);
  if (await currentPageUser()) redirect(returnTo ?? '/');
  return <SignInForm needsFirstAdmin={await needsFirstAdmin(await getDb())} returnTo={returnTo} />;
}
