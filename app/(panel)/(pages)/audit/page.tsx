import type { Metadata } from 'next';
import { AuditVerify } from '@/components/audit/audit-verify';
import { SecurityEvents } from '@/components/audit/security-events';
import { NotForYourRole } from '@/components/layout/not-for-role';
import { AUDITORS } from '@/server/api/policy';
import { requirePageUser } from '@/server/auth/page-session';

export const metadata: Metadata = { title: 'Audit trail' };

// The server decides who may verify and list (AUDITORS); the page says so to anyone else.
export default async function AuditPage() {
  const user = await requirePageUser();
  if (!AUDITORS.includes(user.role)) return <NotForYourRole title="Audit trail" who="Admins and auditors" what="verify and read the audit trail" role={user.role} />;
  return (
    <div className="space-y-10">
      <AuditVerify />
      <SecurityEvents />
    </div>
  );
}
