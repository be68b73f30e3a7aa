import type { Metadata } from 'next';
import { AuditVerify } from '@/components/changes/audit-verify';

export const metadata: Metadata = { title: 'Audit trail' };

// The server decides who may verify (admins and auditors); anyone else sees its refusal.
export default function AuditPage() {
  return <AuditVerify />;
}
