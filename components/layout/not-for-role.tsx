import { Card } from '@/components/ui/card';
import type { Role } from '@/server/auth/roles';

/**
 * The page a role may not use, said plainly instead of a frame of failing requests: who may,
 * which role the reader has, and whom to ask. The server refuses the procedures either way.
 */
export function NotForYourRole({ title, who, what, role }: { title: string; who: string; what: string; role: Role }) {
  return (
    <Card title={title}>
      <p data-testid="not-for-role" className="text-sm text-slate-700">
        {who} {what}; you are signed in as {role === 'admin' || role === 'auditor' || role === 'operator' ? `an ${role}` : `a ${role}`}. Ask an admin if you need a different role.
      </p>
    </Card>
  );
}
