'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { clearLayoutCache } from '@/components/topology/layout-cache';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';

export function SignOutButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSettled: () => {
        clearLayoutCache();
        router.replace('/sign-in');
        router.refresh();
      },
    }),
  );
  return (
    <Button variant="secondary" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
      Sign out
    </Button>
  );
}
