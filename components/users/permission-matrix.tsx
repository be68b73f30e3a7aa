'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/client';
import { Card } from '@/components/ui/card';
import { ErrorMessage } from '@/components/ui/error-message';

/** Who may call what, read from the server's policy registry (never maintained by hand). */
export function PermissionMatrix() {
  const trpc = useTRPC();
  const policies = useQuery(trpc.access.policies.queryOptions());
  if (policies.error) return <ErrorMessage error={policies.error} />;
  if (!policies.data) return null;
  const { roles, procedures } = policies.data;
  return (
    <Card title="What each role may do">
      <ul className="mb-4 space-y-1 text-sm text-slate-700">
        {roles.map(({ role, description }) => (
          <li key={role}>
            <strong>{role}</strong>: {description}
          </li>
        ))}
      </ul>
      <table className="w-full text-left text-xs">
        <thead className="text-slate-500">
          <tr>
            <th className="pb-2 pr-4 font-medium">Action</th>
            {roles.map(({ role }) => (
              <th key={role} className="pb-2 pr-4 font-medium">
                {role}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...procedures]
            .sort((a, b) => a.action.localeCompare(b.action))
            .map((p) => (
              <tr key={p.path} data-testid="permission-row" className="border-t border-slate-100">
                {/* The procedure's name stays on hover, for those who script the API. */}
                <td className="py-1 pr-4" title={p.path}>
                  {p.action}
                </td>
                {roles.map(({ role }) => {
                  const allowed = p.access === 'public' || (Array.isArray(p.access) && p.access.includes(role));
                  return (
                    <td key={role} className={`py-1 pr-4 ${allowed ? 'text-emerald-700' : 'text-slate-300'}`}>
                      {allowed ? 'yes' : 'no'}
                    </td>
                  );
                })}
              </tr>
            ))}
        </tbody>
      </table>
    </Card>
  );
}
