import type { Metadata } from 'next';
import { AuditVerify } from '@/components/audit/audit-verify';
import { SecurityEvents } from '@/components/audit/security-events';

export const metadata: Metadata = { title: 'Audit trail' };

// The server decides who may verify and list (admins and auditors); anyone else sees its refusal.
export default function AuditPage() {
  return (
    <div className="space-y-10">
      <AuditVerify />
      <SecurityEvents />
    </div>
  );
}
