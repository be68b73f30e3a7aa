import Link from 'next/link';
import type { SessionUser } from '@/server/auth/users.types';
import { SignOutButton } from '@/components/layout/sign-out-button';

export function PanelHeader({ user }: { user: SessionUser }) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl items-center gap-6 px-6 py-3">
        <Link href="/" className="text-base font-semibold tracking-tight">
          Switchboard
        </Link>
        <nav className="flex gap-4 text-sm text-slate-600">
          <Link href="/" className="hover:text-slate-900">
            Overview
          </Link>
          <Link href="/hosts" className="hover:text-slate-900">
            Hypervisors
          </Link>
          <Link href="/dashboard" className="hover:text-slate-900">
            Dashboard
          </Link>
          {(user.role === 'admin' || user.role === 'operator' || user.role === 'auditor') && (
            <Link href="/history" className="hover:text-slate-900">
              History
            </Link>
          )}
          {(user.role === 'admin' || user.role === 'auditor') && (
            <Link href="/audit" className="hover:text-slate-900">
              Audit
            </Link>
          )}
          {user.role === 'admin' && (
            <>
              <Link href="/users" className="hover:text-slate-900">
                Users &amp; roles
              </Link>
              <Link href="/ssh-key" className="hover:text-slate-900">
                SSH key
              </Link>
            </>
          )}
        </nav>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <Link href="/account" title="Your account" className="text-slate-600 hover:text-slate-900" data-testid="signed-in-user">
            {user.username} <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{user.role}</span>
          </Link>
          <SignOutButton />
        </div>
      </div>
    </header>
  );
}
